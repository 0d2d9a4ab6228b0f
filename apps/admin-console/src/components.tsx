import { type ReactNode, createContext, useContext, useEffect, useId, useRef } from 'react';
import type { ApiClient, ApiError } from './api/client';
import type { Session } from './api/session';
import type { RunStatus, Tenant } from './api/types';
import { fieldId } from './directory-form.model';
import { STATUS_LABELS } from './format';
import { useTitle } from './hooks';

export interface ConsoleContext {
  api: ApiClient;
  session: Session;
  signOut: (reason?: string) => void;
  /** The tenant being looked at, once read. */
  tenant?: Tenant;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const ctx = useContext(Console);
  if (!ctx) throw new Error('useConsole outside the signed-in console');
  return ctx;
}

/** May this session change things (a read-only key may not)? */
export const canWrite = (session: Session) => session.role !== 'read-only';

/**
 * A page: its title in the tab and as the one h1, which takes the focus when the page opens so a screen reader
 * announces the new page (a single-page app has no page load to do it).
 */
export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  useTitle(title);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [title]);
  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {children}
    </>
  );
}

/** An error as a person reads it: the API's sentence, and its code for support. */
export function ErrorMessage({ error, title }: { error: ApiError | undefined; title?: string }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      {title ? <p className="notice-title">{title}</p> : null}
      <p>{error.message}</p>
      <p className="code">
        Error code: <code>{error.code}</code>
        {error.status ? ` (HTTP ${error.status})` : ''}
      </p>
    </div>
  );
}

/**
 * What the API refused in a form, at the top: each message links to its field (the fields show them too).
 * Focused when it appears, so keyboard and screen-reader users land on it.
 */
export function ErrorSummary({ error, fields, title }: { error: ApiError | undefined; fields: Record<string, string[]>; title?: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) box.current?.focus();
  }, [error]);
  if (!error) return null;
  const entries = Object.entries(fields);
  return (
    <div className="notice notice-error" role="alert" tabIndex={-1} ref={box} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title" className="notice-title">
        {title ?? 'There is a problem'}
      </h2>
      {entries.length ? (
        <ul>
          {entries.flatMap(([path, messages]) =>
            messages.map((m, i) => (
              <li key={`${path}-${i}`}>
                <a href={`#${fieldId(closestField(path))}`}>
                  <span className="path">{path}</span>: {m}
                </a>
              </li>
            )),
          )}
        </ul>
      ) : (
        <p>{error.message}</p>
      )}
      <p className="code">
        Error code: <code>{error.code}</code>
        {error.status ? ` (HTTP ${error.status})` : ''}
      </p>
    </div>
  );
}

/** The input an error path belongs to: `headerMapping.Email` -> the mapping editor, `schedule.time` -> itself. */
export function closestField(path: string): string {
  if (path.startsWith('headerMapping')) return 'headerMapping';
  if (path.startsWith('hris.fieldMappings')) return 'hris.fieldMappings';
  return path;
}

/** Messages for a field: its own path, and (with `prefix`) every path under it. */
export function messagesFor(fields: Record<string, string[]>, path: string, prefix = false): string[] {
  return Object.entries(fields)
    .filter(([p]) => p === path || (prefix && p.startsWith(`${path}.`)))
    .flatMap(([p, m]) => (p === path ? m : m.map((x) => `${p.slice(path.length + 1)}: ${x}`)));
}

interface FieldProps {
  /** The API's path for the value (errors are matched by it). */
  path: string;
  label: string;
  hint?: ReactNode;
  errors?: string[];
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}

/** A labelled input with its hint and the API's messages, tied together for assistive technology. */
export function Field({ path, label, hint, errors = [], children }: FieldProps) {
  const id = fieldId(path);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', errors.length ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${errors.length ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {errors.length ? (
        <p className="field-error" id={errorId}>
          {errors.map((e, i) => (
            <span key={i}>{e}</span>
          ))}
        </p>
      ) : null}
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': errors.length ? true : undefined })}
    </div>
  );
}

export function Checkbox({ path, label, hint, checked, onChange, disabled }: { path: string; label: string; hint?: string; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean }) {
  const id = fieldId(path);
  return (
    <div className="checkbox">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} disabled={disabled} aria-describedby={hint ? `${id}-hint` : undefined} />
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function StatusBadge({ status }: { status: RunStatus }) {
  return <span className={`badge badge-${status}`}>{STATUS_LABELS[status] ?? status}</span>;
}

/** A polite live region: changes are announced without moving the focus. */
export function LiveStatus({ children }: { children: ReactNode }) {
  return (
    <div role="status" aria-live="polite" className="live">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** A group of controls with a visible legend. */
export function Fieldset({ legend, children, hint }: { legend: string; children: ReactNode; hint?: string }) {
  const id = useId();
  return (
    <fieldset aria-describedby={hint ? id : undefined}>
      <legend>{legend}</legend>
      {hint ? (
        <p className="hint" id={id}>
          {hint}
        </p>
      ) : null}
      {children}
    </fieldset>
  );
}
