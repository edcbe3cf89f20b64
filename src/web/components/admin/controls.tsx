/**
 * Small controls the admin pages share: an on/off switch, a badge, a
 * labelled select, a labelled checkbox and a form's status line (its error
 * or its success, announced to screen readers).
 */
import { useId, type ReactNode, type SelectHTMLAttributes } from 'react';
import { cn } from '../../lib/cn';
import { Alert } from '../ui/card';
import { Field } from '../ui/input';

/**
 * A switch (a button with role="switch"), named by its visible label. With
 * `pending` it shows the state being saved and ignores clicks.
 */
export function Switch({
  checked,
  onChange,
  label,
  pending = false,
  describedBy,
  testId,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: string;
  pending?: boolean;
  describedBy?: string | undefined;
  testId?: string;
}) {
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <button
        id={id}
        type="button"
        role="switch"
        aria-checked={checked}
        aria-busy={pending || undefined}
        aria-describedby={describedBy}
        disabled={pending}
        onClick={() => onChange(!checked)}
        data-testid={testId}
        className={cn(
          'relative inline-flex h-6 w-11 shrink-0 items-center rounded-full border-2 border-transparent transition-colors',
          'disabled:cursor-wait disabled:opacity-60',
          checked ? 'bg-primary' : 'bg-input',
        )}
      >
        <span
          aria-hidden
          className={cn(
            'inline-block size-5 rounded-full bg-background shadow transition-transform motion-reduce:transition-none',
            checked ? 'translate-x-5' : 'translate-x-0',
          )}
        />
      </button>
      <label htmlFor={id} className="text-sm">
        {label}
      </label>
    </div>
  );
}

export function Badge({
  tone = 'neutral',
  children,
  testId,
}: {
  tone?: 'neutral' | 'success' | 'warning';
  children: ReactNode;
  testId?: string;
}) {
  return (
    <span
      data-testid={testId}
      className={cn(
        'inline-flex max-w-full items-center rounded-full border px-2 py-0.5 text-xs font-medium break-words',
        tone === 'success' && 'border-success/40 text-success',
        tone === 'warning' && 'border-destructive/50 text-destructive',
        tone === 'neutral' && 'text-muted-foreground',
      )}
    >
      {children}
    </span>
  );
}

const selectClasses =
  'h-10 w-full rounded-md border border-input bg-background px-3 text-sm text-foreground aria-[invalid=true]:border-destructive';

/** A labelled select with its error. */
export function SelectField({
  id,
  label,
  error,
  hint,
  value,
  onValue,
  options,
  ...select
}: Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'id'> & {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  value: string;
  onValue: (value: string) => void;
  options: { value: string; label: string }[];
}) {
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      {(props) => (
        <select
          {...props}
          {...select}
          className={selectClasses}
          value={value}
          onChange={(event) => onValue(event.target.value)}
        >
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function CheckboxField({
  label,
  checked,
  onChange,
  testId,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  testId?: string;
}) {
  return (
    <label className="flex items-center gap-2 text-sm">
      <input
        type="checkbox"
        className="size-4 accent-[var(--primary)]"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
        data-testid={testId}
      />
      {label}
    </label>
  );
}

/** A form's outcome: the error (role=alert) or the success line (role=status). */
export function FormStatus({
  error,
  success,
  testId,
}: {
  error: string | undefined;
  success: string | undefined;
  testId: string;
}) {
  if (error) {
    return (
      <Alert tone="error" data-testid={`${testId}-error`}>
        {error}
      </Alert>
    );
  }
  if (success) {
    return (
      <Alert tone="success" data-testid={`${testId}-success`}>
        {success}
      </Alert>
    );
  }
  return null;
}

/** A field's error on its own (for controls outside a Field, such as a switch). */
export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <p id={id} className="text-sm text-destructive">
      {error}
    </p>
  );
}
