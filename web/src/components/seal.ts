import type { PointerEvent as ReactPointerEvent } from 'react';

/** A seal field drawn over a page: rect is [x1, y1, x2, y2] in PDF points (origin bottom-left). */
export interface SealBox {
  readonly key: string;
  readonly label: string;
  readonly page: number;
  readonly rect: readonly [number, number, number, number];
  /** editable: the sender's own placement; mine: where the viewer's seal goes; other: another party's. */
  readonly variant?: 'editable' | 'mine' | 'other';
  /** The field the sender selected beside the preview (SealChips): highlighted and scrolled to. */
  readonly selected?: boolean;
}

/** The seal field's size in PDF points. */
export const SEAL_WIDTH = 160;
export const SEAL_HEIGHT = 64;

export type SealDrop = (key: string, page: number, x: number, y: number) => void;

/**
 * The PDF point under a screen point: the rendered page there (PdfPages marks each with its index,
 * its scale and its height in points), converted to PDF user space (origin bottom-left).
 */
export function pdfPointAt(
  clientX: number,
  clientY: number,
): { page: number; x: number; y: number } | undefined {
  for (const element of document.elementsFromPoint(clientX, clientY)) {
    const canvas = element.closest<HTMLElement>('.pdf-canvas[data-page]');
    if (canvas === null) continue;
    const scale = Number(canvas.dataset.scale);
    const height = Number(canvas.dataset.heightPt);
    if (!(scale > 0) || !(height > 0)) return undefined;
    const bounds = canvas.getBoundingClientRect();
    return {
      page: Number(canvas.dataset.page),
      x: (clientX - bounds.left) / scale,
      y: height - (clientY - bounds.top) / scale,
    };
  }
  return undefined;
}

/**
 * Dragging a seal with pointer events (mouse, pen or finger): a ghost follows the pointer and the
 * drop point becomes the seal's centre. HTML5 drag and drop is not used: touch screens do not start
 * it, and headless browsers driven by a real mouse do not either.
 */
export function startSealDrag(
  event: ReactPointerEvent<HTMLElement>,
  key: string,
  label: string,
  onDrop: SealDrop,
) {
  if (event.button !== 0) return;
  event.preventDefault();
  const source = event.currentTarget;
  source.setPointerCapture(event.pointerId);
  const ghost = document.createElement('div');
  ghost.className = 'seal-ghost';
  ghost.textContent = label;
  ghost.setAttribute('aria-hidden', 'true');
  const place = (x: number, y: number) => {
    ghost.style.left = `${x}px`;
    ghost.style.top = `${y}px`;
  };
  place(event.clientX, event.clientY);
  document.body.append(ghost);
  const move = (e: PointerEvent) => place(e.clientX, e.clientY);
  const finish = (e: PointerEvent) => {
    source.removeEventListener('pointermove', move);
    source.removeEventListener('pointerup', finish);
    source.removeEventListener('pointercancel', finish);
    ghost.remove();
    if (e.type !== 'pointerup') return;
    const at = pdfPointAt(e.clientX, e.clientY);
    if (at !== undefined) onDrop(key, at.page, at.x, at.y);
  };
  source.addEventListener('pointermove', move);
  source.addEventListener('pointerup', finish);
  source.addEventListener('pointercancel', finish);
}
