/** Colour arithmetic for the offline provider's palettes: HSL in, hex out. */

export interface Hsl {
  /** Degrees, any value (wrapped). */
  h: number;
  /** 0-100. */
  s: number;
  /** 0-100. */
  l: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** #rrggbb for an HSL colour (CSS Color 4 conversion). */
export function hslToHex({ h, s, l }: Hsl): string {
  const hue = ((h % 360) + 360) % 360;
  const sat = clamp(s, 0, 100) / 100;
  const light = clamp(l, 0, 100) / 100;
  const a = sat * Math.min(light, 1 - light);
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    const value = light - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/** Perceived lightness 0-1 of a #rrggbb colour (Rec. 709 luma), used to pick hatch density. */
export function hexLuma(hex: string): number {
  const value = Number.parseInt(hex.slice(1), 16);
  const r = (value >> 16) & 0xff;
  const g = (value >> 8) & 0xff;
  const b = value & 0xff;
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/** Moves hue `from` toward `to` by `amount` (0-1) along the shorter arc. */
export function blendHue(from: number, to: number, amount: number): number {
  const delta = ((((to - from) % 360) + 540) % 360) - 180;
  return from + delta * amount;
}
