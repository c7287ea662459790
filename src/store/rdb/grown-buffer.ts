/** A buffer of at least `needed` bytes (doubling), holding the first `used` bytes of `buffer`. */
export function grownBuffer(buffer: Buffer, used: number, needed: number): Buffer {
  let capacity = Math.max(buffer.length * 2, 64);
  while (capacity < needed) capacity *= 2;
  const grown = Buffer.allocUnsafeSlow(capacity);
  buffer.copy(grown, 0, 0, used);
  return grown;
}
