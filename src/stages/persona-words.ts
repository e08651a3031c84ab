/**
 * A persona is a description of a kind of person, so it is at least two words: the shortest one, at
 * `specificity: broad`, is a role with its article ("A nurse"). A single word ("OP", a URL slug, a first name, or
 * "PWNED" from a page that tells the model to reply with it) describes nobody. Measured with the real 0.5B: it
 * answered the hostile bench page's injection word as its persona in 2 runs of 2, and expand named "jane".
 *
 * Returns why the `path`-labelled personas of a reply are unusable, or undefined. An empty persona is not a reason
 * (the stages drop empty ones, as before).
 */
export function singleWordPersona(personas: ReadonlyArray<{ persona: string }>, path: string): string | undefined {
  for (const [i, p] of personas.entries()) {
    const trimmed = p.persona.trim();
    if (trimmed !== '' && !/\s/.test(trimmed))
      return `${path}.${i}.persona is a single word (${JSON.stringify(trimmed.slice(0, 40))}); a persona describes a kind of person in a phrase or a sentence`;
  }
  return undefined;
}
