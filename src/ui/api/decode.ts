/** The dashboard decodes REST answers with the same code as the HTTP client. */
export * from '../../core/wire-decoding.js';
