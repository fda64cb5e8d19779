// The document store: rendered customer documents with their content hash. `(kind, ref)` is the document's identity
// (statement:<customer>:<from>:<to>, an invoice id, a payment id), so storing the same document twice keeps the first
// bytes and returns them: an e-mail retried after a crash attaches exactly what was stored.
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

export type DocumentKind = 'statement' | 'invoice' | 'receipt';

export interface NewDocument {
  kind: DocumentKind;
  ref: string;
  customerId: string;
  period?: { from: string; to: string };
  filename: string;
  mediaType: string;
  content: Buffer;
}

export interface StoredDocumentInfo {
  id: string;
  kind: DocumentKind;
  ref: string;
  customerId: string;
  periodFrom: string | null;
  periodTo: string | null;
  filename: string;
  mediaType: string;
  contentSha256: string;
  sizeBytes: number;
  createdAt: string;
}

export interface StoredDocument extends StoredDocumentInfo {
  content: Buffer;
}

const INFO_COLUMNS = `id, kind, ref, customer_id, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
  filename, media_type, content_sha256, size_bytes, created_at`;

type Row = Record<string, unknown>;

function toInfo(row: Row): StoredDocumentInfo {
  return {
    id: String(row.id),
    kind: row.kind as DocumentKind,
    ref: String(row.ref),
    customerId: String(row.customer_id),
    periodFrom: (row.period_from as string | null) ?? null,
    periodTo: (row.period_to as string | null) ?? null,
    filename: String(row.filename),
    mediaType: String(row.media_type),
    contentSha256: String(row.content_sha256),
    sizeBytes: Number(row.size_bytes),
    createdAt: new Date(row.created_at as string).toISOString(),
  };
}

export const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/** Stores the document unless one with the same kind and ref exists; returns the stored one and whether it is new. */
export async function storeDocument(
  em: EntityManager,
  doc: NewDocument,
): Promise<{ document: StoredDocument; created: boolean }> {
  const inserted = await em.execute<Row[]>(
    `INSERT INTO document (id, kind, ref, customer_id, period_from, period_to, filename, media_type, content_sha256, size_bytes, content)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, ref) DO NOTHING RETURNING id`,
    [
      randomUUID(),
      doc.kind,
      doc.ref,
      doc.customerId,
      doc.period?.from ?? null,
      doc.period?.to ?? null,
      doc.filename,
      doc.mediaType,
      sha256(doc.content),
      doc.content.length,
      doc.content,
    ],
  );
  const stored = await findDocumentByRef(em, doc.kind, doc.ref);
  if (!stored) throw new Error(`document ${doc.kind}:${doc.ref} vanished after it was stored`);
  return { document: stored, created: inserted.length > 0 };
}

export async function findDocumentByRef(
  em: EntityManager,
  kind: DocumentKind,
  ref: string,
): Promise<StoredDocument | undefined> {
  const [row] = await em.execute<Row[]>(`SELECT ${INFO_COLUMNS}, content FROM document WHERE kind = ? AND ref = ?`, [
    kind,
    ref,
  ]);
  return row ? { ...toInfo(row), content: row.content as Buffer } : undefined;
}

export async function findDocument(em: EntityManager, id: string): Promise<StoredDocument | undefined> {
  const [row] = await em.execute<Row[]>(`SELECT ${INFO_COLUMNS}, content FROM document WHERE id = ?`, [id]);
  return row ? { ...toInfo(row), content: row.content as Buffer } : undefined;
}

/** A customer's documents, newest first (keyset on created_at, id), without their bytes. */
export async function listDocuments(
  em: EntityManager,
  input: { customerId: string; kind?: DocumentKind; after?: [string, string]; limit: number },
): Promise<StoredDocumentInfo[]> {
  const rows = await em.execute<Row[]>(
    `SELECT ${INFO_COLUMNS} FROM document
      WHERE customer_id = ? AND (?::text IS NULL OR kind = ?::text)
        AND (?::timestamptz IS NULL OR (created_at, id) < (?::timestamptz, ?::uuid))
      ORDER BY created_at DESC, id DESC LIMIT ?`,
    [
      input.customerId,
      input.kind ?? null,
      input.kind ?? null,
      input.after?.[0] ?? null,
      input.after?.[0] ?? null,
      input.after?.[1] ?? null,
      input.limit,
    ],
  );
  return rows.map(toInfo);
}
