// What a job ID looks like, for the job-id input and for the IDs the service hands back: one rule,
// so an ID the action accepts from the service is one the user could give back as job-id.

/** 1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit (so never `::`). */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** The rule in words, for error messages. */
export const JOB_ID_RULE = '1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit'

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID.test(value)
}
