// The text of a PDF, page by page, through pdfjs (what a reader's copy-paste would give), for asserting on
// rendered documents. unpdf ships a build of pdfjs that needs no native canvas module.
import { getDocumentProxy } from 'unpdf';

export async function pdfText(bytes: Buffer | Uint8Array): Promise<string> {
  // Text extraction needs no glyph data: without verbosity 0 pdfjs warns once per font that it has no font files.
  const pdf = await getDocumentProxy(new Uint8Array(bytes), { useSystemFonts: false, verbosity: 0 });
  const pages: string[] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const content = await (await pdf.getPage(i)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : ' ') : '')).join(''));
  }
  await pdf.cleanup();
  return pages.join('\n');
}
