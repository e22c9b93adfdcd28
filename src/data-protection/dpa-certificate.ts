import PDFDocument from "pdfkit";
import { DataSource } from "typeorm";
import { Config } from "../config";
import { displayNameOf } from "../customers/customer.service";

const utc = (d: Date) => `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;

/**
 * The certificate of one acceptance of the data-processing agreement, rendered with PDFKit from
 * the record (customer, version, hash of the accepted text, who, when, from where). Dated by the
 * acceptance, so the same acceptance always gives the same bytes.
 */
export async function dpaCertificatePdf(db: DataSource, config: Config, acceptanceId: number): Promise<Buffer | null> {
  const [r] = await db.query(
    `SELECT a.accepted_by, a.accepted_at, a.ip_address, a.file_sha256, v.label, v.published_at,
            c.customer_number, c.kind, c.company_name, c.first_name, c.last_name, c.street, c.postal_code, c.city, c.country_code
     FROM dpa_acceptances a JOIN dpa_versions v ON v.id = a.dpa_version_id JOIN customers c ON c.id = a.customer_id WHERE a.id = ?`,
    [acceptanceId],
  );
  if (!r) return null;
  const provider = config.provider;
  const doc = new PDFDocument({
    size: "A4",
    margin: 50,
    compress: true,
    info: {
      Title: `Annahmebestätigung AV-Vertrag ${r.label} – ${r.customer_number}`,
      Author: provider.name,
      Creator: "Konto",
      Producer: "Konto",
      CreationDate: r.accepted_at,
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));
  doc.font("Helvetica-Bold").fontSize(14).text(provider.name);
  doc
    .font("Helvetica")
    .fontSize(9)
    .text(`${provider.street}, ${provider.postalCode} ${provider.city} · UID ${provider.vatId} · ${provider.email}`);
  doc.moveDown(2);
  doc.font("Helvetica-Bold").fontSize(16).text("Bestätigung der Annahme der Vereinbarung zur Auftragsverarbeitung");
  doc.font("Helvetica").fontSize(10).text("Confirmation of acceptance of the data-processing agreement");
  doc.moveDown(1.5);
  const line = (label: string, value: string) => {
    doc.font("Helvetica-Bold").fontSize(10).text(label, { continued: true });
    doc.font("Helvetica").text(` ${value}`);
  };
  line("Kunde / Customer:", `${displayNameOf(r)} (Kundennummer ${r.customer_number})`);
  line("Anschrift / Address:", `${r.street}, ${r.postal_code} ${r.city}, ${r.country_code}`);
  line("Fassung / Version:", `${r.label} (veröffentlicht ${utc(r.published_at)})`);
  line("SHA-256 des Vertragstexts / of the agreement's PDF:", Buffer.from(r.file_sha256).toString("hex"));
  line("Angenommen von / Accepted by:", r.accepted_by);
  line("Zeitpunkt / At:", utc(r.accepted_at));
  line("IP-Adresse / IP address:", r.ip_address);
  doc.moveDown(1.5);
  doc
    .font("Helvetica")
    .fontSize(9)
    .text(
      "Der Kunde hat die oben genannte Fassung der Vereinbarung zur Auftragsverarbeitung online angenommen. " +
        "Der Vertragstext ist durch seinen SHA-256-Hashwert eindeutig bestimmt.",
    );
  doc.end();
  return done;
}
