import { create } from "xmlbuilder2";
import type { Seller } from "../config";
import { InvoiceFormat } from "../customers/customer.enums";
import type { PrintableInvoice } from "./invoice-pdf";
import { REVERSE_CHARGE_CODE, VAT_CATEGORY_CODE, VatCategory, vatNote } from "./vat";

// The invoice as an EN 16931 e-invoice in the UN/CEFACT CII syntax (D16B): XRechnung 3.0 for
// customers who chose it, the EN 16931 (COMFORT) profile otherwise, which is also what a ZUGFeRD
// PDF carries. Built with xmlbuilder2 from the invoice's snapshot; the element order follows the
// CII schema. Amounts are the invoice's own integer cents: nothing is recomputed here, so the
// XML's sums are the invoice's to the cent.

const NS = {
  rsm: "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
  ram: "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
  qdt: "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
  udt: "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
};

/** BT-24: the specification the invoice follows. */
export const SPECIFICATION = {
  EN16931: "urn:cen.eu:en16931:2017",
  XRECHNUNG: "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
};
/** BT-23: the business process (PEPPOL billing), which XRechnung expects. */
const BUSINESS_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

/** UNTDID 1001: commercial invoice and credit note. */
const TYPE_CODE = { INVOICE: "380", CREDIT_NOTE: "381" } as const;

/** 1234 → "12.34", -5 → "-0.05": integer cents as an EN 16931 amount. */
export function amountText(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const dateElement = (iso: string) => ({ "udt:DateTimeString": { "@format": "102", "#": iso.replaceAll("-", "") } });
const rateText = (rate: number | string) => Number(rate).toFixed(2);

/** Without VAT (category O) an invoice names no VAT ids (BR-O-02 to -04); the register entry identifies the seller (BR-CO-26). */
function sellerParty(seller: Seller, withVatId: boolean) {
  return {
    "ram:Name": seller.name,
    ...(seller.registrationId ? { "ram:SpecifiedLegalOrganization": { "ram:ID": seller.registrationId } } : {}),
    "ram:DefinedTradeContact": {
      "ram:PersonName": seller.contactName,
      "ram:TelephoneUniversalCommunication": { "ram:CompleteNumber": seller.phone },
      "ram:EmailURIUniversalCommunication": { "ram:URIID": seller.email },
    },
    "ram:PostalTradeAddress": {
      "ram:PostcodeCode": seller.postalCode,
      "ram:LineOne": seller.street,
      "ram:CityName": seller.city,
      "ram:CountryID": seller.countryCode,
    },
    "ram:URIUniversalCommunication": { "ram:URIID": { "@schemeID": "EM", "#": seller.electronicAddress } },
    ...(withVatId ? { "ram:SpecifiedTaxRegistration": { "ram:ID": { "@schemeID": "VA", "#": seller.vatId } } } : {}),
  };
}

function buyerParty(invoice: PrintableInvoice, withVatId: boolean) {
  const buyer = invoice.billing;
  return {
    "ram:ID": invoice.customerNumber,
    "ram:Name": buyer.name,
    "ram:PostalTradeAddress": {
      "ram:PostcodeCode": buyer.postalCode,
      "ram:LineOne": buyer.street,
      ...(buyer.addressees.length ? { "ram:LineTwo": `z. Hd. ${buyer.addressees.join(", ")}`.slice(0, 200) } : {}),
      "ram:CityName": buyer.city,
      "ram:CountryID": buyer.countryCode,
    },
    ...(buyer.email ? { "ram:URIUniversalCommunication": { "ram:URIID": { "@schemeID": "EM", "#": buyer.email } } } : {}),
    ...(buyer.vatId && withVatId ? { "ram:SpecifiedTaxRegistration": { "ram:ID": { "@schemeID": "VA", "#": buyer.vatId } } } : {}),
  };
}

/**
 * How the amount is settled (BG-16, BG-17, BG-19): a SEPA credit transfer to the seller's
 * account, or a SEPA direct debit with mandate, creditor id and the (masked) debited account.
 */
function paymentMeans(invoice: PrintableInvoice) {
  const terms = invoice.paymentTerms;
  if (terms.method === "SEPA_DIRECT_DEBIT") {
    return {
      "ram:TypeCode": "59",
      "ram:PayerPartyDebtorFinancialAccount": { "ram:IBANID": terms.ibanMasked.replace(/\s/g, "") },
    };
  }
  return {
    "ram:TypeCode": "58",
    "ram:PayeePartyCreditorFinancialAccount": { "ram:IBANID": terms.iban, "ram:AccountName": invoice.seller.name },
    ...(terms.bic ? { "ram:PayeeSpecifiedCreditorFinancialInstitution": { "ram:BICID": terms.bic } } : {}),
  };
}

/**
 * The CII XML of an invoice or credit note. A credit note is type 381 with a reference to the
 * invoice it corrects and its amounts as positive values (the type carries the sign); a line
 * with a negative price (a discount) is a negative quantity at a positive price (BR-27).
 */
export function invoiceXml(invoice: PrintableInvoice): string {
  const sign = invoice.kind === "CREDIT_NOTE" ? -1 : 1;
  const xrechnung = invoice.format === InvoiceFormat.XRECHNUNG;
  const creditNote = invoice.kind === "CREDIT_NOTE";
  const terms = invoice.paymentTerms;
  const english = invoice.locale === "en";
  const taxable = !invoice.lines.some((line) => line.vatCategory === VatCategory.NOT_SUBJECT);

  const lines = invoice.lines.map((line) => {
    const price = sign * line.unitPrice;
    const quantity = price < 0 ? -line.quantity : line.quantity;
    return {
      "ram:AssociatedDocumentLineDocument": { "ram:LineID": String(line.position) },
      "ram:SpecifiedTradeProduct": { "ram:Name": line.description },
      "ram:SpecifiedLineTradeAgreement": { "ram:NetPriceProductTradePrice": { "ram:ChargeAmount": amountText(Math.abs(price)) } },
      "ram:SpecifiedLineTradeDelivery": { "ram:BilledQuantity": { "@unitCode": "C62", "#": quantity.toFixed(3) } },
      "ram:SpecifiedLineTradeSettlement": {
        "ram:ApplicableTradeTax": {
          "ram:TypeCode": "VAT",
          "ram:CategoryCode": VAT_CATEGORY_CODE[line.vatCategory],
          // Not subject to VAT has no rate at all (BR-O-05).
          ...(line.vatCategory === VatCategory.NOT_SUBJECT ? {} : { "ram:RateApplicablePercent": rateText(line.vatRate) }),
        },
        "ram:SpecifiedTradeSettlementLineMonetarySummation": { "ram:LineTotalAmount": amountText(sign * line.net) },
      },
    };
  });

  const taxes = invoice.breakdown.map((part) => {
    const category = (part.category ?? VatCategory.STANDARD) as VatCategory;
    const note = vatNote(part);
    return {
      "ram:CalculatedAmount": amountText(sign * part.vat),
      "ram:TypeCode": "VAT",
      ...(note ? { "ram:ExemptionReason": note } : {}),
      "ram:BasisAmount": amountText(sign * part.net),
      "ram:CategoryCode": VAT_CATEGORY_CODE[category],
      ...(category === VatCategory.REVERSE_CHARGE ? { "ram:ExemptionReasonCode": REVERSE_CHARGE_CODE } : {}),
      ...(category === VatCategory.NOT_SUBJECT ? { "ram:ExemptionReasonCode": "VATEX-EU-O" } : {}),
      // Kept for O too: XRechnung requires the breakdown's rate (BR-DE-14); EN 16931 forbids only the line's.
      "ram:RateApplicablePercent": rateText(part.rate),
    };
  });

  const termsText = creditNote
    ? english
      ? "The amount is set off against open items or refunded."
      : "Der Betrag wird mit offenen Forderungen verrechnet oder erstattet."
    : terms.method === "SEPA_DIRECT_DEBIT"
      ? english
        ? `SEPA direct debit on ${terms.debitDate}, mandate ${terms.mandateReference}`
        : `SEPA-Lastschrift am ${terms.debitDate}, Mandat ${terms.mandateReference}`
      : english
        ? `Payable by ${invoice.dueDate} without deduction`
        : `Zahlbar bis ${invoice.dueDate} ohne Abzug`;

  const document = {
    "rsm:CrossIndustryInvoice": {
      "@xmlns:rsm": NS.rsm,
      "@xmlns:ram": NS.ram,
      "@xmlns:qdt": NS.qdt,
      "@xmlns:udt": NS.udt,
      "rsm:ExchangedDocumentContext": {
        "ram:BusinessProcessSpecifiedDocumentContextParameter": { "ram:ID": BUSINESS_PROCESS },
        "ram:GuidelineSpecifiedDocumentContextParameter": { "ram:ID": xrechnung ? SPECIFICATION.XRECHNUNG : SPECIFICATION.EN16931 },
      },
      "rsm:ExchangedDocument": {
        "ram:ID": invoice.number,
        "ram:TypeCode": TYPE_CODE[invoice.kind],
        "ram:IssueDateTime": dateElement(invoice.issueDate),
      },
      "rsm:SupplyChainTradeTransaction": {
        "ram:IncludedSupplyChainTradeLineItem": lines,
        "ram:ApplicableHeaderTradeAgreement": {
          ...(invoice.buyerReference ? { "ram:BuyerReference": invoice.buyerReference } : {}),
          "ram:SellerTradeParty": sellerParty(invoice.seller, taxable),
          "ram:BuyerTradeParty": buyerParty(invoice, taxable),
        },
        "ram:ApplicableHeaderTradeDelivery": invoice.deliveryDate
          ? { "ram:ActualDeliverySupplyChainEvent": { "ram:OccurrenceDateTime": dateElement(invoice.deliveryDate) } }
          : {},
        "ram:ApplicableHeaderTradeSettlement": {
          ...(terms.method === "SEPA_DIRECT_DEBIT" ? { "ram:CreditorReferenceID": invoice.seller.sepaCreditorId } : {}),
          "ram:PaymentReference": invoice.number,
          "ram:InvoiceCurrencyCode": invoice.currency,
          "ram:SpecifiedTradeSettlementPaymentMeans": paymentMeans(invoice),
          "ram:ApplicableTradeTax": taxes,
          ...(invoice.periodStart && invoice.periodEnd
            ? {
                "ram:BillingSpecifiedPeriod": {
                  "ram:StartDateTime": dateElement(invoice.periodStart),
                  "ram:EndDateTime": dateElement(invoice.periodEnd),
                },
              }
            : {}),
          "ram:SpecifiedTradePaymentTerms": {
            "ram:Description": termsText,
            "ram:DueDateDateTime": dateElement(terms.method === "SEPA_DIRECT_DEBIT" && !creditNote ? terms.debitDate : invoice.dueDate),
            ...(terms.method === "SEPA_DIRECT_DEBIT" ? { "ram:DirectDebitMandateID": terms.mandateReference } : {}),
          },
          "ram:SpecifiedTradeSettlementHeaderMonetarySummation": {
            "ram:LineTotalAmount": amountText(sign * invoice.net),
            "ram:TaxBasisTotalAmount": amountText(sign * invoice.net),
            "ram:TaxTotalAmount": { "@currencyID": invoice.currency, "#": amountText(sign * invoice.vat) },
            "ram:GrandTotalAmount": amountText(sign * invoice.gross),
            "ram:DuePayableAmount": amountText(sign * invoice.gross),
          },
          ...(invoice.originalNumber
            ? {
                "ram:InvoiceReferencedDocument": {
                  "ram:IssuerAssignedID": invoice.originalNumber,
                  ...(invoice.originalIssueDate
                    ? {
                        "ram:FormattedIssueDateTime": {
                          "qdt:DateTimeString": { "@format": "102", "#": invoice.originalIssueDate.replaceAll("-", "") },
                        },
                      }
                    : {}),
                },
              }
            : {}),
        },
      },
    },
  };
  return create({ version: "1.0", encoding: "UTF-8" }, document).end({ prettyPrint: true });
}
