/**
 * Update codecs: encodings by name, one-shot encoding, streaming folding
 * decode, dense decode, and client-side error feedback.
 */
export { DEFAULT_INT8_BLOCK_SIZE, SPARSE_AVERAGE_FEATURE, type Encoding, type EncodingName, formatEncoding, isLossy, parseEncoding, toEncoding, topkCount } from './encoding';
export { type EncodeOptions, encodeUpdate } from './encode-update';
export { createCheckingDecoder, createFoldingDecoder, type FoldCoverage, type FoldingDecoder, type FoldTarget } from './folding-decoder';
export { decodeDense } from './decode-dense';
export { ErrorFeedback } from './error-feedback';
export { encodedBytes } from './encoded-bytes';
export { checkValueBound, DEFAULT_VALUE_BOUND, firstOutOfBound, outOfBoundError } from './value-bound';
