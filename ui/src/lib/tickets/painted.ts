//! The first ticket list the app paints, marked for the start-up measurement
//! (src-tauri/tests/measure.rs): once per page load, in the frame after the rows reach the DOM,
//! a `desk:list-painted` performance mark and two attributes on <html> —
//! `data-list-painted` (wall clock, ms since the Unix epoch: performance.timeOrigin + now) and
//! `data-list-painted-ms` (ms since the page's navigation started).

let marked = false;

/** Marks the first painted list; later calls do nothing. Returns whether this call marked it. */
export function markListPainted(): boolean {
  if (marked) return false;
  marked = true;
  // The rows are in the DOM now; the next frame paints them, and a task queued from that
  // frame's callback runs once it has been painted.
  requestAnimationFrame(() => {
    setTimeout(() => {
      const now = performance.now();
      performance.mark('desk:list-painted');
      const html = document.documentElement;
      html.dataset.listPainted = (performance.timeOrigin + now).toFixed(1);
      html.dataset.listPaintedMs = now.toFixed(1);
    }, 0);
  });
  return true;
}

/** For tests: forget that the list was painted. */
export function resetListPainted(): void {
  marked = false;
  delete document.documentElement.dataset.listPainted;
  delete document.documentElement.dataset.listPaintedMs;
}
