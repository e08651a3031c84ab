import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * Type-checks JSON values against published TypeScript types (Grafana's dashboard schema, the Kubernetes models),
 * with the TypeScript compiler in memory: each value becomes `export const x = <value as a literal> satisfies
 * Wire<Type>;`. `satisfies` on an object literal is an excess-property check at every level, so a misspelt or
 * unknown field is an error wherever the type lists its fields (not where it is an open map such as `labels`);
 * a wrong type, a missing required field or a value outside an enum is an error too.
 *
 * `Wire<T>` is the JSON form of a type: string enums become the union of their values (JSON holds "list", not
 * `LegendDisplayMode.List`), methods are dropped (code-generated SDK types carry marker methods), the rest is kept.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VIRTUAL = join(ROOT, 'test', 'ops', '__typecheck__.ts');

const PRELUDE = `
type Wire<T> =
  T extends (...args: never[]) => unknown ? never :
  T extends string ? (string extends T ? string : \`\${T}\`) :
  T extends readonly (infer U)[] ? Wire<U>[] :
  T extends object ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: Wire<T[K]> } :
  T;
`;

export interface TypedValue {
  /** A label for error messages, e.g. `panel "Commit rounds"`. */
  name: string;
  /** A type expression over the imports, e.g. `Panel` or `Partial<StatOptions>`. */
  type: string;
  value: unknown;
}

export interface TypeProblem {
  name: string;
  message: string;
}

/** Type-check every value; returns the problems (empty when every value conforms). */
export function typecheckValues(imports: string, values: TypedValue[]): TypeProblem[] {
  const lines = [imports, PRELUDE];
  const spans: Array<{ name: string; from: number; to: number }> = [];
  values.forEach((v, i) => {
    const from = lines.join('\n').split('\n').length + 1; // 1-based line of the value's first line
    lines.push(`export const v${i} = ${JSON.stringify(v.value, null, 1)} satisfies Wire<${v.type}>;`);
    spans.push({ name: v.name, from, to: lines.join('\n').split('\n').length + 1 });
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === VIRTUAL ? source : readFile(f));
  host.fileExists = ((exists) => (f: string) => f === VIRTUAL || exists(f))(host.fileExists.bind(host));
  host.getSourceFile = (f, lang, ...rest) => (f === VIRTUAL ? ts.createSourceFile(f, source, lang, true) : getSourceFile(f, lang, ...rest));
  const program = ts.createProgram([VIRTUAL], options, host);
  const file = program.getSourceFile(VIRTUAL)!;
  const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  return diagnostics.map((d) => {
    const line = d.start === undefined ? -1 : file.getLineAndCharacterOfPosition(d.start).line + 1;
    const span = spans.find((s) => line >= s.from && line < s.to);
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const at = d.start === undefined ? '' : ` (near: ${source.slice(d.start, d.start + 60).split('\n')[0]})`;
    return { name: span?.name ?? `line ${line}`, message: `${text}${at}` };
  });
}
