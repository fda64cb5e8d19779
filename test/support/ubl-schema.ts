// Validation against the OASIS UBL 2.1 schemas, unpacked by scripts/setup.sh --test into the toolchain cache
// (ubl-2.1/maindoc, ubl-2.1/common, and ubl-2.1/external for what UBL imports by namespace only).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';

export const UBL_SCHEMA_DIR = join(process.env.AR_TOOLCHAIN_CACHE ?? join(homedir(), '.cache', 'ar-engine'), 'ubl-2.1');

/** Files of the namespaces the UBL schemas import without a schemaLocation (resolved by catalogs elsewhere). */
const BY_NAMESPACE: Record<string, string> = {
  'urn:un:unece:uncefact:data:specification:CoreComponentTypeSchemaModule:2': 'CCTS_CCT_SchemaModule.xsd',
  'http://www.w3.org/2000/09/xmldsig#': 'xmldsig-core-schema.xsd',
  'http://uri.etsi.org/01903/v1.3.2#': 'XAdES01903v132-201601.xsd',
  'http://uri.etsi.org/01903/v1.4.1#': 'XAdES01903v141-201601.xsd',
};

/** Adds the schemaLocation of namespace-only imports, relative to the importing file's folder. */
function withLocations(xsd: string, folder: 'common' | 'external'): string {
  return xsd.replace(/<xsd:import\s+namespace="([^"]+)"\s*\/>/g, (whole, ns: string) => {
    const file = BY_NAMESPACE[ns];
    return file
      ? `<xsd:import namespace="${ns}" schemaLocation="${folder === 'common' ? '../external/' : ''}${file}"/>`
      : whole;
  });
}

function schemaFiles(folder: 'common' | 'external') {
  return readdirSync(join(UBL_SCHEMA_DIR, folder))
    .filter((f) => f.endsWith('.xsd'))
    .map((f) => ({
      fileName: `${folder}/${f}`,
      contents: withLocations(readFileSync(join(UBL_SCHEMA_DIR, folder, f), 'utf8'), folder),
    }));
}

export async function validateUbl(
  xml: string,
  root: 'Invoice' | 'CreditNote',
): Promise<{ valid: boolean; errors: string[] }> {
  const main = join(UBL_SCHEMA_DIR, 'maindoc', `UBL-${root}-2.1.xsd`);
  if (!existsSync(main) || !existsSync(join(UBL_SCHEMA_DIR, 'external'))) {
    throw new Error(
      `UBL 2.1 schemas not found in ${UBL_SCHEMA_DIR}: run scripts/setup.sh --test (resolves them from Maven Central)`,
    );
  }
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: xml }],
    schema: [{ fileName: `maindoc/UBL-${root}-2.1.xsd`, contents: readFileSync(main, 'utf8') }],
    preload: [...schemaFiles('common'), ...schemaFiles('external')],
  });
  return { valid: result.valid, errors: result.errors.map((e) => e.rawMessage) };
}
