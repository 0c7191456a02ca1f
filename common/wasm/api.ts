/**
 * The WebAssembly JS API, typed for what fedlink's kernels use (the project's
 * TypeScript lib has no DOM types), and undefined in a runtime without it.
 */

/** A compiled module (transferable to worker threads). */
export type WasmModule = object & { readonly __wasmModule?: never };
/** A wasm memory; a shared one's `buffer` is a SharedArrayBuffer. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Adds `pages` 64 KiB pages; returns the previous size in pages. */
  grow(pages: number): number;
}

/** The parts of the WebAssembly namespace fedlink uses. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Instance: new (m: WasmModule, imports: object) => { exports: object };
}

/** The runtime's WebAssembly, if it has one. */
export const Wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
