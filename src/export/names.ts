/** The state file of a datasets folder export (hf-folder.ts); kept apart so light modules can name it. */
export const EXPORT_STATE_FILE = '.personahub-export.json';
