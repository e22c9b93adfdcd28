import { html, layout, Locale, RenderedMail, utcMinutes } from "./template";

export interface DataExportReadyData {
  customerNumber: string;
  /** The download link (with its own token); valid until expiresAt. */
  link: string;
  expiresAt: Date;
}

/** The export of a customer's data is built: a link to the ZIP, valid seven days. */
export function renderDataExportReady(data: DataExportReadyData, locale: Locale): RenderedMail {
  const until = utcMinutes(data.expiresAt);
  const [subject, greeting, intro, note] =
    locale === "en"
      ? [
          `Your data export for customer ${data.customerNumber} is ready`,
          "Hello,",
          `the export of everything we hold about customer ${data.customerNumber} is ready. Download it (a ZIP file) until ${until}:`,
          "Anyone with this link can download the export: do not forward it.",
        ]
      : [
          `Ihr Datenexport für Kunde ${data.customerNumber} ist bereit`,
          "Guten Tag,",
          `der Export aller Daten, die wir zum Kunden ${data.customerNumber} speichern, ist fertig. Laden Sie ihn (eine ZIP-Datei) bis ${until} herunter:`,
          "Wer diesen Link hat, kann den Export herunterladen: bitte leiten Sie ihn nicht weiter.",
        ];
  return {
    subject,
    text: `${greeting}\n\n${intro}\n${data.link}\n\n${note}\n`,
    html: layout(
      locale,
      html`<p>${greeting}</p>
        <p>${intro}<br /><a href="${data.link}">${data.link}</a></p>
        <p>${note}</p>`,
    ),
  };
}
