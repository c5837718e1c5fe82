/**
 * Loads data for a page: calls `load` with an AbortSignal whenever `deps` or the API token change,
 * keeps the previous data while a reload runs (live refresh without flicker), and aborts stale calls.
 */
import { useCallback, useEffect, useRef, useState, type DependencyList, type RefCallback } from 'react';
import { subscribeToken } from '../api/token-store.js';

export interface ApiState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Loads again with the same inputs. */
  reload: () => void;
}

export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): ApiState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => subscribeToken(() => setGeneration((value) => value + 1)), []);

  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((previous) => ({ data: previous.data, error: error as Error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}

/** Calls `tick` every `intervalMs` while `active`. */
export function useInterval(tick: () => void, intervalMs: number, active: boolean): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => tickRef.current(), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
}

/** The width of an element in CSS pixels, following resizes. */
export function useElementWidth<E extends HTMLElement>(): [RefCallback<E>, number] {
  const [width, setWidth] = useState(0);
  const observer = useRef<ResizeObserver | null>(null);
  const ref = useCallback((element: E | null) => {
    observer.current?.disconnect();
    if (element === null) return;
    setWidth(element.clientWidth);
    observer.current = new ResizeObserver((entries) => {
      const entry = entries[0];
      if (entry !== undefined) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.current.observe(element);
  }, []);
  return [ref, width];
}

/**
 * Whether an element is within `rootMargin` of the viewport. One IntersectionObserver serves every
 * element with the same margin: a page with thousands of charts must not create thousands of them.
 */
export function useInView<E extends Element>(rootMargin = '600px'): [RefCallback<E>, boolean] {
  const [inView, setInView] = useState(false);
  const current = useRef<E | null>(null);
  const ref = useCallback(
    (element: E | null) => {
      if (current.current !== null) unobserve(rootMargin, current.current);
      current.current = element;
      // A new element is out of view until the observer says otherwise (it reports every new element once).
      setInView(false);
      if (element !== null) observe(rootMargin, element, setInView);
    },
    [rootMargin],
  );
  return [ref, inView];
}

const sharedObservers = new Map<string, { observer: IntersectionObserver; listeners: Map<Element, (inView: boolean) => void> }>();

function observe(rootMargin: string, element: Element, listener: (inView: boolean) => void): void {
  let shared = sharedObservers.get(rootMargin);
  if (shared === undefined) {
    const listeners = new Map<Element, (inView: boolean) => void>();
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) listeners.get(entry.target)?.(entry.isIntersecting);
      },
      { rootMargin },
    );
    shared = { observer, listeners };
    sharedObservers.set(rootMargin, shared);
  }
  shared.listeners.set(element, listener);
  shared.observer.observe(element);
}

function unobserve(rootMargin: string, element: Element): void {
  const shared = sharedObservers.get(rootMargin);
  if (shared === undefined) return;
  shared.listeners.delete(element);
  shared.observer.unobserve(element);
}
