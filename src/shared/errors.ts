// One way to turn anything thrown into text: a thrown non-Error (a string, an object) still reads.

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : String(error)
}
