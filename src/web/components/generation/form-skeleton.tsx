/** The generator form's outline while models load, at about its final height so nothing jumps. */
export function FormSkeleton({ label }: { label: string }) {
  return (
    <div className="grid gap-5" aria-busy="true">
      <p className="sr-only" role="status">
        {label}
      </p>
      {[8, 2.5, 6, 2.5, 2.5, 8].map((height, i) => (
        <div
          key={i}
          aria-hidden
          className="animate-pulse rounded-md bg-muted motion-reduce:animate-none"
          style={{ height: `${height}rem` }}
        />
      ))}
    </div>
  );
}
