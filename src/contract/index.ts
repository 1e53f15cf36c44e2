export * from './ask.js';
export * from './http.js';
export * from './metrics.js';
