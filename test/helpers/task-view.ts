// The status page's CPU and memory view (services/frontend/page), read back
// from a browser page the way a test compares it with /api/task.
import type { Page } from 'playwright-core';

export interface ShownMeter {
  /** The meter's value and max attributes, as the page set them. */
  readonly value: number;
  readonly max: number;
}

export interface ShownRow {
  readonly name: string;
  /** Null where the page shows "no sample yet". */
  readonly cpu: ShownMeter | null;
  readonly memory: ShownMeter | null;
}

/** The rows of the view as the page shows them: the containers, then the task. */
export function shownRows(page: Page): Promise<ShownRow[]> {
  return page.locator('#task-view tr[data-container]').evaluateAll((rows) =>
    rows.map((row) => {
      const meter = (kind: string) => {
        const el = row.querySelector(`meter.${kind}`);
        return el === null ? null : { value: Number(el.getAttribute('value')), max: Number(el.getAttribute('max')) };
      };
      return { name: row.getAttribute('data-container') ?? '', cpu: meter('cpu'), memory: meter('memory') };
    }),
  );
}
