import { fileTypeFromBuffer } from "file-type";
import { refuse, UserErrorCode } from "../platform/user-error";
import { CheckedFile } from "./file-store";

/**
 * What Konto accepts as a file, by the type its bytes show (file-type reads the magic numbers;
 * the name and the Content-Type the client sent are never trusted): PDF, images, office files.
 */
export const ACCEPTED_TYPES: Readonly<Record<string, string>> = {
  "application/pdf": "pdf",
  "image/png": "png",
  "image/jpeg": "jpg",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "application/vnd.oasis.opendocument.text": "odt",
  "application/vnd.oasis.opendocument.spreadsheet": "ods",
};

/** The upload's type from its content (a Refusal, so the unit of work answers userErrors), refused unless it is one Konto accepts (or `only`, when given). */
export async function checkUpload(bytes: Buffer, only?: readonly string[]): Promise<CheckedFile> {
  if (!bytes.length) refuse(UserErrorCode.INVALID_INPUT, "The file is empty", ["file"]);
  const sniffed = await fileTypeFromBuffer(bytes);
  const allowed = only ?? Object.keys(ACCEPTED_TYPES);
  if (!sniffed || !allowed.includes(sniffed.mime)) {
    refuse(UserErrorCode.UNSUPPORTED_FILE_TYPE, `Only these file types are accepted: ${allowed.map((t) => ACCEPTED_TYPES[t]).join(", ")}`, [
      "file",
    ]);
  }
  return { bytes, contentType: sniffed.mime };
}

/**
 * A file name safe to store and to put into Content-Disposition: no path, no control or quote
 * characters, at most 200 characters, ending in the extension of the type its content has.
 */
export function safeFilename(given: string | undefined, contentType: string): string {
  const extension = ACCEPTED_TYPES[contentType] ?? "bin";
  const base = (given ?? "")
    .split(/[\\/]/)
    .pop()!
    // eslint-disable-next-line no-control-regex -- control characters are what is removed
    .replace(/[\u0000-\u001f\u007f"';]/g, "")
    .replace(/\.[^.]*$/, "")
    .trim()
    .slice(0, 180);
  return `${base || "file"}.${extension}`;
}
