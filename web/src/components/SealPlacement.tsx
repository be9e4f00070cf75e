import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { SEAL_HEIGHT, SEAL_WIDTH, type SealDrop, startSealDrag } from './seal.ts';

/** A seal field as the form holds it: page (1-based, as typed), lower-left corner in PDF points. */
export interface SealSpot {
  readonly page: string;
  readonly x: string;
  readonly y: string;
}

export const NO_SPOT: SealSpot = { page: '', x: '', y: '' };

export interface Placement {
  readonly page: number;
  readonly rect: [number, number, number, number];
}

/** The placement the API takes (page index, rect), or undefined while the spot is incomplete. */
export function placementOf(spot: SealSpot): Placement | undefined {
  const page = Number.parseInt(spot.page, 10);
  const x = Number.parseFloat(spot.x);
  const y = Number.parseFloat(spot.y);
  if (!Number.isFinite(page) || !Number.isFinite(x) || !Number.isFinite(y)) return undefined;
  return { page: page - 1, rect: [x, y, x + SEAL_WIDTH, y + SEAL_HEIGHT] };
}

/** The spot of a drop: the drop point is the seal's centre, the form keeps its lower-left corner. */
export function spotOfDrop(page: number, x: number, y: number): SealSpot {
  return {
    page: String(page + 1),
    x: String(Math.max(0, Math.round(x - SEAL_WIDTH / 2))),
    y: String(Math.max(0, Math.round(y - SEAL_HEIGHT / 2))),
  };
}

/** The spot of a stored placement (e.g. a template's slot being edited). */
export function spotOfPlacement(placement: { page: number; rect: readonly number[] } | undefined): SealSpot {
  if (placement === undefined) return NO_SPOT;
  return {
    page: String(placement.page + 1),
    x: String(placement.rect[0] ?? ''),
    y: String(placement.rect[1] ?? ''),
  };
}

/**
 * One party's seal: a chip to drag onto the rendered page (PdfPages with onDropSeal) and the same
 * position as numbers, for keyboards and screen readers. Used by the new-envelope form and the
 * template editor.
 */
export function SealPlacementInputs({
  sealKey,
  label,
  legend,
  pages,
  spot,
  onChange,
  onDrop,
  chip = true,
  children,
}: {
  /** The key the drop reports (and the seal box on the page carries). */
  sealKey: string;
  /** Text of the chip and of the box on the page. */
  label: string;
  legend: string;
  pages: number;
  spot: SealSpot;
  onChange: (spot: SealSpot) => void;
  onDrop: SealDrop;
  /** false where the chips sit beside the preview instead (SealChips). */
  chip?: boolean;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <fieldset className="seal-inputs">
      <legend className="visually-hidden">{legend}</legend>
      {chip ? (
        <span
          className="seal-chip"
          data-seal-chip={sealKey}
          onPointerDown={(e) => startSealDrag(e, sealKey, label, onDrop)}
        >
          {label}
        </span>
      ) : null}
      <label>
        {t('party.page')}
        <input
          type="number"
          min={1}
          max={pages || undefined}
          value={spot.page}
          onChange={(e) => onChange({ ...spot, page: e.target.value })}
        />
      </label>
      <label>
        {t('party.x')}
        <input
          type="number"
          min={0}
          value={spot.x}
          onChange={(e) => onChange({ ...spot, x: e.target.value })}
        />
      </label>
      <label>
        {t('party.y')}
        <input
          type="number"
          min={0}
          value={spot.y}
          onChange={(e) => onChange({ ...spot, y: e.target.value })}
        />
      </label>
      {children}
    </fieldset>
  );
}
