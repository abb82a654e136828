// Request and response shapes of GET/PUT /v1/sending/rules; each field is checked by the same parser
// the environment variables go through, so both refuse the same values with the same words.
import { z } from "zod";
import { parseFrequencyCaps } from "../../domain/sending/frequency-cap.ts";
import { isValidTimeZone } from "../../domain/time/local-time.ts";
import { parseQuietHours } from "../../domain/time/quiet-hours.ts";

const checked = (parse: (text: string) => { ok: true } | { ok: false; error: string }) =>
  z
    .string()
    .trim()
    .max(200)
    .superRefine((text, context) => {
      const parsed = parse(text);
      if (!parsed.ok) context.addIssue({ code: "custom", message: parsed.error });
    });

export const SendingRulesBody = z
  .object({
    frequencyCap: checked(parseFrequencyCaps)
      .optional()
      .describe('Marketing emails per contact per window, across sequences: "2/1d,5/7d", or "off"'),
    quietHours: checked(parseQuietHours)
      .optional()
      .describe('Local time span in which marketing email waits: "21:00-08:00", or "off"'),
    defaultTimeZone: z
      .string()
      .trim()
      .refine(isValidTimeZone, "must be an IANA time zone such as Europe/Rome")
      .optional()
      .describe("Zone for contacts without a valid one of their own"),
  })
  .strict();

const FIELDS = ["frequencyCap", "quietHours", "defaultTimeZone"] as const;

export const SendingRulesView = z.object({
  frequencyCap: z.string(),
  quietHours: z.string(),
  defaultTimeZone: z.string(),
  /** Which fields the API set; the others come from the environment. */
  fromApi: z.array(z.enum(FIELDS)),
});
