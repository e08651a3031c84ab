/**
 * Untrusted text (web pages, and personas, which an LLM derived from web pages) reaches the model only inside a
 * fenced block of the user message. The fence must hold: text that contains the closing marker could otherwise end
 * the block early and have the rest read as instructions. Marker strings inside the text are neutralised.
 */
export interface Fence {
  begin: string;
  end: string;
}

export const fenceFor = (label: string): Fence => ({ begin: `<<<${label}`, end: `${label}>>>` });

/** `text` between the fence's markers; any `<<<`/`>>>` run inside it is broken up so no marker can be forged. */
export function fenced(fence: Fence, text: string): string {
  const safe = text.replace(/<{3,}/g, (m) => m.split('').join(' ')).replace(/>{3,}/g, (m) => m.split('').join(' '));
  return `${fence.begin}\n${safe}\n${fence.end}`;
}
