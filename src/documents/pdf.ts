// One PDF layout for every customer document (statement, invoice, receipt): a title, the sender, label/value facts,
// then sections of paragraphs and tables. Documents describe their content as data (`PdfDocumentModel`); only this
// module knows pdfkit. Built-in Helvetica keeps the text extractable and the files small; the creation date is the
// document's own date, so the same content renders to the same bytes (and the same content hash).
import PDFDocument from 'pdfkit';

export interface PdfColumn {
  label: string;
  /** Share of the usable width (the widths of a table are normalised to sum to 1). */
  width: number;
  align?: 'left' | 'right';
}

export interface PdfSection {
  heading?: string;
  paragraphs?: string[];
  table?: { columns: PdfColumn[]; rows: string[][]; footer?: string[] };
}

export interface PdfDocumentModel {
  title: string;
  sender: string;
  /** Label and value pairs under the title (customer, period, dates...). */
  facts: [string, string][];
  sections: PdfSection[];
  /** The document's own date (YYYY-MM-DD), recorded as the PDF creation date. */
  date: string;
}

const MARGIN = 48;

export async function renderPdf(model: PdfDocumentModel): Promise<Buffer> {
  const created = new Date(`${model.date}T00:00:00Z`);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: {
      Title: model.title,
      Author: model.sender,
      Producer: 'AR engine',
      Creator: 'AR engine',
      CreationDate: created,
      ModDate: created,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;

  doc.font('Helvetica-Bold').fontSize(18).text(model.title);
  doc.font('Helvetica').fontSize(10).fillColor('#555555').text(model.sender).fillColor('black').moveDown(0.8);
  for (const [label, value] of model.facts) {
    doc.font('Helvetica-Bold').text(`${label}: `, { continued: true }).font('Helvetica').text(value);
  }
  for (const section of model.sections) {
    doc.moveDown(1);
    if (section.heading)
      doc
        .font('Helvetica-Bold')
        .fontSize(12)
        .text(section.heading, MARGIN)
        .fontSize(10)
        .font('Helvetica')
        .moveDown(0.3);
    for (const paragraph of section.paragraphs ?? [])
      doc.font('Helvetica').fontSize(10).text(paragraph, MARGIN, undefined, { width }).moveDown(0.3);
    if (section.table) drawTable(doc, section.table, width);
  }
  doc.end();
  return done;
}

function drawTable(doc: PDFKit.PDFDocument, table: NonNullable<PdfSection['table']>, width: number): void {
  const total = table.columns.reduce((sum, c) => sum + c.width, 0);
  const widths = table.columns.map((c) => (c.width / total) * width);
  const bottom = () => doc.page.height - MARGIN - 20;
  const row = (cells: string[], bold: boolean) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    const heights = cells.map((cell, i) => doc.heightOfString(cell, { width: widths[i]! - 4 }));
    const height = Math.max(12, ...heights);
    if (doc.y + height > bottom()) doc.addPage();
    const y = doc.y;
    let x = MARGIN;
    cells.forEach((cell, i) => {
      doc.text(cell, x + 2, y, { width: widths[i]! - 4, align: table.columns[i]!.align ?? 'left', lineBreak: true });
      x += widths[i]!;
    });
    doc.x = MARGIN;
    doc.y = y + height + 3;
  };
  const rule = () => {
    doc
      .moveTo(MARGIN, doc.y)
      .lineTo(MARGIN + width, doc.y)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    doc.y += 3;
  };
  row(
    table.columns.map((c) => c.label),
    true,
  );
  rule();
  for (const cells of table.rows) row(cells, false);
  if (table.footer) {
    rule();
    row(table.footer, true);
  }
}
