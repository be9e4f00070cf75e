import { GlobalWorkerOptions, getDocument, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { type DragEvent, useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import type { SealBox } from './seal.ts';

GlobalWorkerOptions.workerSrc = workerUrl;

const SCALE = 1.2;

interface PageSize {
  readonly width: number;
  readonly height: number;
}

function PdfPage({
  pdf,
  index,
  boxes,
  onDropSeal,
}: {
  pdf: PDFDocumentProxy;
  index: number;
  boxes: readonly SealBox[];
  onDropSeal?: (key: string, page: number, x: number, y: number) => void;
}) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<PageSize | undefined>();
  useEffect(() => {
    let cancelled = false;
    let task: { cancel(): void } | undefined;
    void pdf.getPage(index + 1).then((page) => {
      if (cancelled || canvas.current === null) return;
      const viewport = page.getViewport({ scale: SCALE });
      const ratio = window.devicePixelRatio || 1;
      canvas.current.width = Math.floor(viewport.width * ratio);
      canvas.current.height = Math.floor(viewport.height * ratio);
      canvas.current.style.width = `${viewport.width}px`;
      canvas.current.style.height = `${viewport.height}px`;
      setSize({ width: viewport.width / SCALE, height: viewport.height / SCALE });
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
  }, [pdf, index]);

  function drop(event: DragEvent<HTMLDivElement>) {
    if (onDropSeal === undefined || size === undefined) return;
    event.preventDefault();
    const key = event.dataTransfer.getData('text/x-shomei-seal');
    if (key === '') return;
    const bounds = event.currentTarget.getBoundingClientRect();
    const x = (event.clientX - bounds.left) / SCALE;
    const y = size.height - (event.clientY - bounds.top) / SCALE;
    onDropSeal(key, index, x, y);
  }

  return (
    <figure className="pdf-page" aria-label={t('pdf.page', { page: index + 1, pages: pdf.numPages })}>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: drop target; the keyboard alternative is the page/x/y inputs */}
      <div
        className="pdf-canvas"
        data-page={index}
        onDragOver={(e) => {
          if (onDropSeal !== undefined) e.preventDefault();
        }}
        onDrop={drop}
      >
        <canvas ref={canvas} />
        {size === undefined
          ? null
          : boxes
              .filter((b) => b.page === index)
              .map((b) => (
                // biome-ignore lint/a11y/noStaticElementInteractions: dragging is the pointer path; the form's page/x/y inputs are the keyboard path
                <div
                  key={b.key}
                  className="seal-box"
                  data-seal={b.key}
                  draggable={onDropSeal !== undefined}
                  onDragStart={(e) => e.dataTransfer.setData('text/x-shomei-seal', b.key)}
                  style={{
                    left: `${b.rect[0] * SCALE}px`,
                    top: `${(size.height - b.rect[3]) * SCALE}px`,
                    width: `${(b.rect[2] - b.rect[0]) * SCALE}px`,
                    height: `${(b.rect[3] - b.rect[1]) * SCALE}px`,
                  }}
                >
                  {b.label}
                </div>
              ))}
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
  onDropSeal?: (key: string, page: number, x: number, y: number) => void;
  onLoaded?: (pages: number) => void;
}) {
  const { t } = useI18n();
  const [pdf, setPdf] = useState<PDFDocumentProxy | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let cancelled = false;
    setFailed(false);
    // PDF.js takes ownership of the buffer it is given: hand it a copy.
    const task = getDocument({ data: new Uint8Array(bytes.slice(0)), isEvalSupported: false });
    task.promise
      .then((doc) => {
        if (cancelled) return;
        setPdf(doc);
        onLoaded?.(doc.numPages);
      })
      .catch(() => {
        if (!cancelled) setFailed(true);
      });
    return () => {
      cancelled = true;
      void task.destroy();
    };
  }, [bytes, onLoaded]);
  if (failed) return <p role="alert">{t('pdf.failed')}</p>;
  if (pdf === undefined) return <p role="status">{t('pdf.loading')}</p>;
  return (
    <div className="pdf-pages">
      {Array.from({ length: pdf.numPages }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: pages are positional
        <PdfPage key={i} pdf={pdf} index={i} boxes={boxes} {...(onDropSeal ? { onDropSeal } : {})} />
      ))}
      {footer}
    </div>
  );
}
