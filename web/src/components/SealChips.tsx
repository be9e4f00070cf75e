import { useI18n } from '../i18n/index.tsx';
import { type SealDrop, startSealDrag } from './seal.ts';

export interface SealChip {
  /** The key the drop reports (and the seal box on the page carries). */
  readonly key: string;
  /** The party's name (「佐藤 花子 の押印欄」), or its number until the name is typed. */
  readonly label: string;
  /** 0-based page the field is placed on, or undefined while not placed. */
  readonly page: number | undefined;
}

/**
 * The parties' seal fields beside the page preview: each chip is dragged onto the page from right
 * next to it (not from the party form far above), says where it is placed, and can be selected —
 * its field on the page is highlighted and scrolled to — or taken off the page again.
 */
export function SealChips({
  chips,
  selected,
  onSelect,
  onRemove,
  onDrop,
}: {
  chips: readonly SealChip[];
  selected: string | undefined;
  onSelect: (key: string | undefined) => void;
  onRemove: (key: string) => void;
  onDrop: SealDrop;
}) {
  const { t } = useI18n();
  return (
    <aside className="seal-chips" aria-label={t('sealChips.title')}>
      <h3>{t('sealChips.title')}</h3>
      <p className="small">{t('sealChips.lead')}</p>
      <ul>
        {chips.map((chip) => (
          <li key={chip.key} className={selected === chip.key ? 'seal-chip-selected' : undefined}>
            <span
              className="seal-chip"
              data-seal-chip={chip.key}
              onPointerDown={(e) => startSealDrag(e, chip.key, chip.label, onDrop)}
            >
              {chip.label}
            </span>
            <span className="small">
              {chip.page === undefined
                ? t('sealChips.unplaced')
                : t('sealChips.placed', { page: chip.page + 1 })}
            </span>
            {chip.page === undefined ? null : (
              <span className="seal-chip-actions">
                <button
                  type="button"
                  aria-pressed={selected === chip.key}
                  onClick={() => onSelect(selected === chip.key ? undefined : chip.key)}
                >
                  {t('sealChips.select', { label: chip.label })}
                </button>
                <button type="button" onClick={() => onRemove(chip.key)}>
                  {t('sealChips.remove', { label: chip.label })}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}
