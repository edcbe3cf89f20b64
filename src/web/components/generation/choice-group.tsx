/** The generator's tile pickers: size, aspect ratio, resolution and number of images. */
import { useId } from 'react';
import { cn } from '../../lib/cn';
import { shapeBox } from './pricing';

interface Choice {
  value: string;
  label: string;
  detail?: string;
  /** Draws a little box of this shape next to the label. */
  shape?: { width: number; height: number };
}

const columnClasses = {
  sizes: 'grid-cols-[repeat(auto-fill,minmax(8.5rem,1fr))]',
  ratios: 'grid-cols-[repeat(auto-fill,minmax(5.5rem,1fr))]',
  counts: 'grid-cols-[repeat(auto-fill,minmax(2.75rem,1fr))]',
} as const;

/**
 * A set of radio buttons drawn as tiles. Real radios (visually hidden), so
 * arrow keys move between options and screen readers announce the group.
 */
export function ChoiceGroup({
  legend,
  name,
  value,
  options,
  onChange,
  error,
  columns,
}: {
  legend: string;
  name: string;
  value: string | null;
  options: Choice[];
  onChange: (value: string) => void;
  error: string | undefined;
  columns: keyof typeof columnClasses;
}) {
  const id = useId();
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined} data-testid={`choice-${name}`}>
      <legend className="mb-1.5 text-sm font-medium">{legend}</legend>
      <div className={cn('grid gap-2', columnClasses[columns])}>
        {options.map((option) => {
          const box = option.shape ? shapeBox(option.shape.width, option.shape.height, 20) : undefined;
          return (
            <label
              key={option.value}
              className={cn(
                'flex cursor-pointer items-center gap-2 rounded-md border bg-background px-2.5 py-2 text-sm',
                'hover:bg-accent has-[:checked]:border-primary has-[:checked]:bg-accent has-[:checked]:text-accent-foreground',
                'has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-ring',
                columns === 'counts' && 'justify-center',
              )}
            >
              <input
                type="radio"
                name={name}
                value={option.value}
                className="sr-only"
                checked={value === option.value}
                onChange={() => onChange(option.value)}
              />
              {box ? (
                <span aria-hidden className="grid size-5 shrink-0 place-items-center">
                  <span
                    className="block rounded-[2px] border-[1.5px] border-current opacity-70"
                    style={{ width: box.width, height: box.height }}
                  />
                </span>
              ) : null}
              <span className="grid min-w-0 leading-tight">
                <span className="font-medium tabular-nums">{option.label}</span>
                {option.detail ? (
                  <span className="text-xs text-muted-foreground">{option.detail}</span>
                ) : null}
              </span>
            </label>
          );
        })}
      </div>
      {error ? (
        <p id={`${id}-error`} className="mt-1.5 text-sm text-destructive">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
