import { fatal } from '../../errors.js';

/**
 * A deliberately tiny template language for scenario prompts (scenarios are data, so their text needs
 * parameters without code): `{{name}}` inserts a parameter, `{{#name}}...{{/name}}` keeps the section when the
 * parameter is truthy, `{{^name}}...{{/name}}` when it is falsy. Sections do not nest. An unknown `{{name}}` is an
 * error (a typo in a template must not silently reach the model).
 */
export type TemplateParams = Record<string, string | number | boolean>;

const SECTION = /\{\{([#^])(\w+)\}\}([\s\S]*?)\{\{\/\2\}\}/g;
const VARIABLE = /\{\{(\w+)\}\}/g;

export function renderTemplate(template: string, params: TemplateParams): string {
  const withSections = template.replace(SECTION, (_m, sigil: string, name: string, body: string) => {
    const on = Boolean(params[name]);
    return (sigil === '#' ? on : !on) ? body : '';
  });
  return withSections.replace(VARIABLE, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw fatal('config_invalid', `template parameter "${name}" is not set`);
    return String(v);
  });
}

/** Parameter names a template uses (for validating a scenario table at start-up). */
export function templateParams(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(/\{\{[#^/]?(\w+)\}\}/g)) names.add(m[1]!);
  return [...names];
}
