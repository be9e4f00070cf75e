/** A seal field drawn over a page: rect is [x1, y1, x2, y2] in PDF points (origin bottom-left). */
export interface SealBox {
  readonly key: string;
  readonly label: string;
  readonly page: number;
  readonly rect: readonly [number, number, number, number];
}

/** The seal field's size in PDF points. */
export const SEAL_WIDTH = 160;
export const SEAL_HEIGHT = 64;
