import type { ReactNode } from 'react';

/**
 * A box that scrolls on its own (a wide table on a phone): a keyboard user must be able to reach it to
 * scroll it with the arrow keys (WCAG 2.1.1; axe scrollable-region-focusable).
 */
export function ScrollBox({
  className = 'table-wrap',
  children,
}: {
  className?: string;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box takes the focus so the arrow keys scroll it
    <div className={className} tabIndex={0}>
      {children}
    </div>
  );
}
