import { GlobalWorkerOptions, getDocument, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { type SealBox, type SealDrop, startSealDrag } from './seal.ts';

GlobalWorkerOptions.workerSrc = workerUrl;

/** The preferred scale; narrower screens (a phone) fit the page to the viewer's width instead. */
const SCALE = 1.2;
/** The viewer's padding on both sides (1rem each), kept free when fitting a page. */
const VIEWER_PADDING = 32;

interface PageSize {
  readonly width: number;
  readonly height: number;
}

function PdfPage({
  pdf,
  index,
  boxes,
  onDropSeal,
  maxWidth,
}: {
  pdf: PDFDocumentProxy;
  index: number;
  boxes: readonly SealBox[];
  onDropSeal?: SealDrop;
  /** CSS pixels available for the page. */
  maxWidth: number;
}) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<PageSize | undefined>();
  const [scale, setScale] = useState(SCALE);
  useEffect(() => {
    let cancelled = false;
    let task: { cancel(): void } | undefined;
    void pdf.getPage(index + 1).then((page) => {
      if (cancelled || canvas.current === null) return;
      const natural = page.getViewport({ scale: 1 });
      const fitted = Math.max(0.2, Math.min(SCALE, maxWidth / natural.width));
      const viewport = page.getViewport({ scale: fitted });
      const ratio = window.devicePixelRatio || 1;
      canvas.current.width = Math.floor(viewport.width * ratio);
      canvas.current.height = Math.floor(viewport.height * ratio);
      canvas.current.style.width = `${viewport.width}px`;
      canvas.current.style.height = `${viewport.height}px`;
      setSize({ width: natural.width, height: natural.height });
      setScale(fitted);
      const render = page.render({
        canvas: canvas.current,
        viewport,
        transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0],
      });
      task = render;
      render.promise
        .then(() => {
          if (!cancelled) canvas.current?.setAttribute('data-rendered', 'true');
        })
        .catch(() => {});
    });
    return () => {
      cancelled = true;
      task?.cancel();
    };
  }, [pdf, index, maxWidth]);

  return (
    <figure className="pdf-page" aria-label={t('pdf.page', { page: index + 1, pages: pdf.numPages })}>
      {/* The page's scale and height let a pointer position become PDF points (seal.ts, pdfPointAt). */}
      <div
        className="pdf-canvas"
        data-page={index}
        data-scale={size === undefined ? undefined : scale}
        data-height-pt={size?.height}
      >
        <canvas ref={canvas} />
        {size === undefined
          ? null
          : boxes
              .filter((b) => b.page === index)
              .map((b) => {
                const editable = onDropSeal !== undefined && (b.variant ?? 'editable') === 'editable';
                return (
                  <div
                    key={b.key}
                    className={`seal-box seal-${b.variant ?? 'editable'}${b.selected ? ' seal-selected' : ''}`}
                    aria-current={b.selected ? 'true' : undefined}
                    data-seal={b.key}
                    data-variant={b.variant ?? 'editable'}
                    onPointerDown={
                      editable && onDropSeal !== undefined
                        ? (e) => startSealDrag(e, b.key, b.label, onDropSeal)
                        : undefined
                    }
                    style={{
                      left: `${b.rect[0] * scale}px`,
                      top: `${(size.height - b.rect[3]) * scale}px`,
                      width: `${(b.rect[2] - b.rect[0]) * scale}px`,
                      height: `${(b.rect[3] - b.rect[1]) * scale}px`,
                    }}
                  >
                    <span>{b.label}</span>
                  </div>
                );
              })}
      </div>
      <figcaption>{t('pdf.page', { page: index + 1, pages: pdf.numPages })}</figcaption>
    </figure>
  );
}

/** Every page of a PDF rendered with PDF.js, with seal fields drawn (and droppable) on top. */
export function PdfPages({
  bytes,
  boxes = [],
  onDropSeal,
  onLoaded,
  footer,
}: {
  bytes: ArrayBuffer;
  /** Shown after the last page, inside the scrolling viewer (e.g. an end-of-document marker). */
  footer?: React.ReactNode;
  boxes?: readonly SealBox[];
  onDropSeal?: SealDrop;
  onLoaded?: (pages: number) => void;
}) {
  const { t } = useI18n();
  const [pdf, setPdf] = useState<PDFDocumentProxy | undefined>();
  const [failed, setFailed] = useState<'unreadable' | 'encrypted' | false>(false);
  const [width, setWidth] = useState<number | undefined>();
  // Pages fit the viewer's width: on a phone the page shrinks instead of scrolling sideways.
  const viewer = useCallback((element: HTMLDivElement | null) => {
    if (element === null) return;
    const measure = () => setWidth(Math.floor(element.clientWidth - VIEWER_PADDING));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    let cancelled = false;
    setFailed(false);
    // PDF.js takes ownership of the buffer it is given: hand it a copy.
    const task = getDocument({ data: new Uint8Array(bytes.slice(0)), isEvalSupported: false });
    // PDF.js parses in its own worker thread; it also tells an encrypted file: a user password makes
    // it refuse (PasswordException), an owner password only shows as permissions. Either way the
    // server refuses to sign it, so say so now instead of 'damaged' or a preview that cannot be sent.
    task.promise
      .then(async (doc) => {
        const encrypted = (await doc.getPermissions()) !== null;
        if (cancelled) return;
        if (encrypted) {
          setFailed('encrypted');
          return;
        }
        setPdf(doc);
        onLoaded?.(doc.numPages);
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        setFailed((error as Error | undefined)?.name === 'PasswordException' ? 'encrypted' : 'unreadable');
      });
    return () => {
      cancelled = true;
      void task.destroy();
    };
  }, [bytes, onLoaded]);
  if (failed === 'encrypted') return <p role="alert">{t('pdf.encrypted')}</p>;
  if (failed) return <p role="alert">{t('pdf.failed')}</p>;
  if (pdf === undefined) return <p role="status">{t('pdf.loading')}</p>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: the pages scroll on their own; the focus lets the arrow keys scroll them
    <div className="pdf-pages" ref={viewer} tabIndex={0}>
      {width === undefined
        ? null
        : Array.from({ length: pdf.numPages }, (_, i) => (
            <PdfPage
              // biome-ignore lint/suspicious/noArrayIndexKey: pages are positional
              key={i}
              pdf={pdf}
              index={i}
              boxes={boxes}
              maxWidth={width}
              {...(onDropSeal ? { onDropSeal } : {})}
            />
          ))}
      {footer}
    </div>
  );
}
