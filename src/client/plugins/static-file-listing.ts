// The page the static_file plugin shows for a folder without index.html: Go http.FileServer's plain <pre> list of links.

/** The characters Go's htmlReplacer escapes. */
const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** One entry of a folder: its name and whether it is a folder itself. */
export interface ListingEntry {
  name: string;
  isDirectory: boolean;
}

/** The listing page, entries sorted by name, folders with a trailing slash (as Go's dirList). */
export function listingPage(entries: readonly ListingEntry[]): string {
  const lines = [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => {
      const name = e.isDirectory ? `${e.name}/` : e.name;
      // The href is a relative path: "./" first keeps a name with a colon from reading as a scheme.
      const href = `./${encodeURIComponent(e.name)}${e.isDirectory ? '/' : ''}`;
      return `<a href="${escapeHtml(href)}">${escapeHtml(name)}</a>`;
    });
  return [
    '<!doctype html>',
    '<meta name="viewport" content="width=device-width">',
    '<pre>',
    ...lines,
    '</pre>',
    '',
  ].join('\n');
}
