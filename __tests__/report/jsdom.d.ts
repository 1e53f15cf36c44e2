/**
 * The little of jsdom the Mermaid parser helper uses. @types/jsdom is not installed on purpose: it pulls
 * the DOM library's global types into every file, which changes what `fetch` accepts in Node code.
 */
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string);
    readonly window: { readonly document: unknown } & Record<string, unknown>;
  }
}
