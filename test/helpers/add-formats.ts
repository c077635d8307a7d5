import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';

/** ajv-formats is CommonJS: under ESM its default import is module.exports, whose .default is the plugin. */
export const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;
