// Builds the demo data set in memory as plain table rows (snake_case keys = column names), so
// that inserting is a matter of multi-row INSERTs. Pure: no database access, no clock beyond asOf.

import { catalogKey, demoCatalog } from "./catalog-plans";
import { lineNetOf, quantityText, vatOf } from "../invoices/amounts";
import { austrianVatId, germanVatId, makeIban } from "./banking";
import {
  AUSTRIAN_LAST_NAMES,
  BANKS,
  BRAND_WORDS,
  CITIES_BY_COUNTRY,
  City,
  CONTACT_RESTRICTIONS,
  COUNTRY_CALLING_CODE,
  Country,
  DATA_CENTRES,
  DOMAIN_PRICES,
  DUNNING_FEE,
  FEMALE_FIRST_NAMES,
  GERMAN_LAST_NAMES,
  HOSTING_PLANS,
  LEGAL_FORMS,
  LINE_PLANS,
  MAILBOX_COUNTS,
  MAILBOX_PRICE,
  MALE_FIRST_NAMES,
  MOBILE_PLANS,
  MOBILE_PREFIXES,
  Plan,
  PRIVATE_MAIL_DOMAINS,
  REGION_WORDS,
  SERVER_PLANS,
  SETUP_PLANS,
  TECHNICIAN_HOURLY,
  TRADE_PREFIXES,
  TRADES,
  VAT_RATE,
  VOIP_PLANS,
} from "./catalog";
import { Random } from "./random";
import {
  CONTACT_TYPE_ORDER,
  ContactRow,
  ContactType,
  CustomerRow,
  DemoData,
  ProductRow,
  ProductStatus,
  ProductType,
  TableKey,
  BillingPeriod,
} from "./tables";

export interface GenerateOptions {
  customers: number;
  randomSeed: number;
  /** "Today" (UTC, YYYY-MM-DD): invoices cover the 12 months up to it. */
  asOf: string;
  /** Highest id already present per table; new rows are numbered after it. */
  idOffsets?: Partial<Record<TableKey, number>>;
}

// ---- Dates: whole UTC days since the epoch, which makes date arithmetic plain integer maths. ----

const MS_PER_DAY = 86_400_000;
const dayOf = (date: string): number => Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY;
const isoDates = new Map<number, string>();
/** Memoised: a seed formats the same few hundred days a few hundred thousand times. */
const isoDate = (day: number): string => {
  let text = isoDates.get(day);
  if (text === undefined) isoDates.set(day, (text = new Date(day * MS_PER_DAY).toISOString().slice(0, 10)));
  return text;
};
const isoDateTime = (day: number, secondOfDay: number): string =>
  new Date(day * MS_PER_DAY + secondOfDay * 1000).toISOString().slice(0, 23).replace("T", " ");
/** Months are numbered year * 12 + zero-based month. */
const monthOfDay = (day: number): number => {
  const date = new Date(day * MS_PER_DAY);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
};
const firstDayOfMonth = (month: number): number => Date.UTC(Math.floor(month / 12), month % 12, 1) / MS_PER_DAY;
const monthLabel = (month: number): string => `${String((month % 12) + 1).padStart(2, "0")}/${Math.floor(month / 12)}`;
const officeHours = (rng: Random): number => rng.int(7 * 3600, 18 * 3600);

// ---- Text helpers ----

const UMLAUTS: Record<string, string> = { ä: "ae", ö: "oe", ü: "ue", Ä: "Ae", Ö: "Oe", Ü: "Ue", ß: "ss" };

/** German transliteration for umlauts, then accents stripped: "Kovačević" -> "Kovacevic". */
export function foldAscii(text: string): string {
  return text
    .replace(/[äöüÄÖÜß]/g, (char) => UMLAUTS[char])
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ı/g, "i");
}

function slugify(text: string, maxLength = 40): string {
  let slug = foldAscii(text)
    .toLowerCase()
    .replace(/&/g, " ")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length > maxLength) slug = slug.slice(0, slug.lastIndexOf("-", maxLength));
  return slug;
}

const emailLocalPart = (person: Person): string => `${slugify(person.firstName)}.${slugify(person.lastName)}`;
const fullName = (person: Person): string => `${person.firstName} ${person.lastName}`;
const topLevelDomain = (country: Country): string => country.toLowerCase();

// ---- Intermediate models ----

interface Person {
  salutation: string;
  firstName: string;
  lastName: string;
}

interface Address {
  street: string;
  postalCode: string;
  city: string;
  country: Country;
}

interface ProductDraft {
  row: ProductRow;
  startDay: number;
  endDay: number | null;
}

interface CustomerDraft {
  row: CustomerRow;
  country: Country;
  address: Address;
  displayName: string;
  /** Main domain for business customers; for private ones the domain they would register. */
  domain: string;
  slug: string;
  sinceDay: number;
  /** Office number without the last two digits: central line = prefix + "00", extensions follow. */
  officePrefix: string;
  usedExtensions: Set<string>;
  branch: Address | null;
  contacts: ContactRow[];
  products: ProductDraft[];
}

interface ProductSpec {
  type: ProductType;
  plan: string;
  priceAmount: number;
  specs: Record<string, unknown> | null;
  identifier: string;
  status: ProductStatus;
  billingPeriod?: BillingPeriod;
  installation?: Address | null;
  /** Derived from status and billing period when not given. */
  startDay?: number;
  endDay?: number | null;
}

interface LineDraft {
  description: string;
  productId: number | null;
  quantityMilli: number;
  unitPrice: number;
}

interface InvoiceDraft {
  customer: CustomerDraft;
  kind: "INVOICE" | "CREDIT_NOTE";
  issueDay: number;
  /** Orders same-day documents of one customer: monthly, then extra, then credit note. */
  sequence: number;
  periodStart: string | null;
  periodEnd: string | null;
  status: "OPEN" | "PAID" | "CANCELLED";
  paidAt: string | null;
  lines: LineDraft[];
  original: InvoiceDraft | null;
  id: number;
  number: string;
}

interface InvoiceFlags {
  forceOverdue?: boolean;
  forceCreditNote?: boolean;
  noOverdue?: boolean;
}

interface BillingSnapshot {
  name: string;
  street: string;
  postalCode: string;
  city: string;
  country: Country;
  /** JSON array of the names printed "z. Hd." under the address. */
  addressees: string;
}

/** The billing address as printed on an invoice: the separate one if set, else the main address. */
function billingSnapshot(customer: CustomerDraft): BillingSnapshot {
  const row = customer.row;
  const hasType = (contact: ContactRow, type: ContactType) => contact.types.split(",").includes(type);
  const billingContacts = customer.contacts.filter((c) => hasType(c, "BILLING"));
  const addressees = (billingContacts.length ? billingContacts : customer.contacts.filter((c) => hasType(c, "STANDARD"))).map(
    (c) => `${c.first_name} ${c.last_name}`,
  );
  const address = row.billing_street
    ? {
        name: row.billing_name!,
        street: row.billing_street,
        postalCode: row.billing_postal_code!,
        city: row.billing_city!,
        country: row.billing_country_code!,
      }
    : { name: customer.displayName, street: row.street, postalCode: row.postal_code, city: row.city, country: row.country_code };
  return { ...address, addressees: JSON.stringify(addressees) };
}

function domainProduct(identifier: string, status: ProductStatus, autoRenew = true): ProductSpec {
  const tld = identifier.slice(identifier.lastIndexOf(".") + 1);
  const plan = { plan: `Domain .${tld}`, priceAmount: DOMAIN_PRICES[tld], specs: { autoRenew } };
  return { type: "DOMAIN", ...plan, identifier, status, billingPeriod: "YEARLY" };
}

function exchangeProduct(identifier: string, mailboxes: number, status: ProductStatus): ProductSpec {
  const plan = { plan: "Exchange Business", priceAmount: mailboxes * MAILBOX_PRICE, specs: { mailboxes, mailboxGb: 50 } };
  return { type: "MAIL", ...plan, identifier, status };
}

function serverProduct(plan: Plan, identifier: string, status: ProductStatus): ProductSpec {
  return { type: "SERVER", plan: plan.plan, priceAmount: plan.priceAmount, specs: plan.specs, identifier, status };
}

/** Invoices carry at most this many lines. */
const MAX_LINES = 4;
/** Hosting and IT services are billed in advance first; telecom products overflow to the arrears invoice. */
const ADVANCE_BILLING_ORDER: readonly ProductType[] = ["WEB_HOSTING", "MAIL", "SERVER", "INTERNET_LINE", "VOIP", "MOBILE"];

const RESELLERS = [
  { name: "Donau IT-Services GmbH", email: "partner@donau-it.at" },
  { name: "Südstern Systemhaus GmbH", email: "partner@suedstern-systemhaus.de" },
  { name: "Hanse IT Solutions GmbH", email: "partner@hanse-it.de" },
] as const;

const FILLER_ROLES_BUSINESS: readonly (readonly [ContactType[], number])[] = [
  [["OTHER"], 35],
  [["STANDARD"], 30],
  [["SIGNATORY"], 15],
  [["OWNER"], 10],
  [["STANDARD", "SIGNATORY"], 10],
];
const FILLER_ROLES_PRIVATE: readonly (readonly [ContactType[], number])[] = [
  [["STANDARD"], 50],
  [["OTHER"], 50],
];

const PRODUCT_MIX_BUSINESS: readonly (readonly [ProductType, number])[] = [
  ["DOMAIN", 18],
  ["WEB_HOSTING", 14],
  ["MAIL", 12],
  ["SERVER", 16],
  ["VOIP", 12],
  ["INTERNET_LINE", 12],
  ["MOBILE", 16],
];
const PRODUCT_MIX_PRIVATE: readonly (readonly [ProductType, number])[] = [
  ["MOBILE", 45],
  ["DOMAIN", 30],
  ["WEB_HOSTING", 25],
];
const PRODUCT_STATUSES: readonly (readonly [ProductStatus, number])[] = [
  ["ACTIVE", 85],
  ["CANCELLED", 7],
  ["ORDERED", 5],
  ["SUSPENDED", 3],
];

const EXTRA_DOMAIN_PATTERNS = [
  "{slug}.com",
  "{slug}.eu",
  "{slug}.{other}",
  "{slug}-shop.{tld}",
  "{slug}-online.{tld}",
  "{slug}24.{tld}",
  "{slug}-service.{tld}",
];
const PARTNERSHIP_TRADES = ["Steuerberatung", "Rechtsanwälte", "Architekten", "Consulting", "Unternehmensberatung"];
const HOSTING_SUBDOMAINS = ["shop", "intranet", "blog", "kunden", "staging", "termine"];

export function generateDemoData(options: GenerateOptions): DemoData {
  return new DemoDataBuilder(options).build();
}

class DemoDataBuilder {
  private readonly todayDay: number;
  private readonly lastIds: Record<TableKey, number>;
  private readonly data: DemoData = {
    catalogPlans: [],
    catalogPlanChanges: [],
    resellers: [],
    customers: [],
    contacts: [],
    products: [],
    invoices: [],
    invoiceLines: [],
  };
  /** Catalog plan ids by type and name; products booked on another plan are outside the catalog. */
  private readonly planIds: Map<string, number>;
  private readonly invoiceDrafts: InvoiceDraft[] = [];
  // Showcase domains are reserved so that no generated customer collides with them.
  private readonly usedSlugs = new Set<string>(["alpenblick", "isarwerk"]);
  private readonly usedNumbers = new Set<string>();

  constructor(private readonly options: GenerateOptions) {
    this.todayDay = dayOf(options.asOf);
    if (!Number.isFinite(this.todayDay)) throw new Error(`asOf must be a date YYYY-MM-DD (got "${options.asOf}")`);
    const offsets = options.idOffsets ?? {};
    const catalog = demoCatalog(offsets.catalogPlans ?? 0);
    this.data.catalogPlans = catalog.plans;
    this.data.catalogPlanChanges = catalog.changes;
    this.planIds = catalog.idOf;
    this.lastIds = {
      catalogPlans: offsets.catalogPlans ?? 0,
      catalogPlanChanges: 0,
      resellers: offsets.resellers ?? 0,
      customers: offsets.customers ?? 0,
      contacts: offsets.contacts ?? 0,
      products: offsets.products ?? 0,
      invoices: offsets.invoices ?? 0,
      invoiceLines: offsets.invoiceLines ?? 0,
    };
  }

  build(): DemoData {
    const resellerRng = new Random(this.options.randomSeed);
    for (const reseller of RESELLERS) {
      const createdDay = this.todayDay - resellerRng.int(6 * 365, 7 * 365);
      this.data.resellers.push({
        id: this.nextId("resellers"),
        name: reseller.name,
        email: reseller.email,
        created_at: isoDateTime(createdDay, officeHours(resellerRng)),
        updated_at: isoDateTime(createdDay + resellerRng.int(30, 900), officeHours(resellerRng)),
      });
    }

    for (let index = 0; index < this.options.customers; index++) {
      // One stream per customer: the first N customers are the same whatever the total.
      const rng = Random.forItem(this.options.randomSeed, index);
      if (index === 0) this.addInvoices(rng, this.alpenblick(rng), { forceCreditNote: true, noOverdue: true });
      else if (index === 1) this.addInvoices(rng, this.isarwerk(rng), { forceOverdue: true });
      else {
        const customer = this.randomCustomer(rng, index);
        this.addInvoices(rng, customer, { forceOverdue: customer.row.status === "SUSPENDED" });
      }
    }

    this.numberAndEmitInvoices();
    return this.data;
  }

  private nextId(table: TableKey): number {
    return ++this.lastIds[table];
  }

  // ---- People, places, numbers ----

  private person(rng: Random, country: Country, lastName?: string): Person {
    const female = rng.chance(0.45);
    const ownList = country === "AT" ? AUSTRIAN_LAST_NAMES : GERMAN_LAST_NAMES;
    const otherList = country === "AT" ? GERMAN_LAST_NAMES : AUSTRIAN_LAST_NAMES;
    return {
      salutation: female ? "Frau" : "Herr",
      firstName: rng.pick(female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES),
      lastName: lastName ?? rng.pick(rng.chance(0.1) ? otherList : ownList),
    };
  }

  private pickCity(rng: Random, country: Country, except?: string): City {
    const cities = CITIES_BY_COUNTRY[country].filter((city) => city.name !== except);
    return rng.weighted(cities.map((city) => [city, city.weight] as const));
  }

  /** Street with house number; Austrian addresses often add staircase and door ("12/3/14"). */
  private address(rng: Random, city: City): Address {
    const [streetName, postalCode] = rng.pick(city.streets);
    let number = String(rng.int(1, rng.chance(0.7) ? 60 : 180));
    if (rng.chance(0.08)) number += rng.pick(["a", "b", "c"]);
    if (city.country === "AT" && rng.chance(0.35)) {
      number += rng.chance(0.5) ? `/${rng.int(1, 12)}` : `/${rng.int(1, 4)}/${rng.int(1, 24)}`;
    }
    return { street: `${streetName} ${number}`, postalCode, city: city.name, country: city.country };
  }

  private uniqueNumber(make: () => string): string {
    for (;;) {
      const value = make();
      if (!this.usedNumbers.has(value)) {
        this.usedNumbers.add(value);
        return value;
      }
    }
  }

  private officePrefix(rng: Random, city: City): string {
    return this.uniqueNumber(() => `+${COUNTRY_CALLING_CODE[city.country]}${city.areaCode}${rng.int(2, 9)}${rng.digits(4)}`);
  }

  private mobileNumber(rng: Random, country: Country): string {
    const subscriberDigits = country === "AT" ? 6 : 7;
    return this.uniqueNumber(
      () => `+${COUNTRY_CALLING_CODE[country]}${rng.pick(MOBILE_PREFIXES[country])}${rng.int(1, 9)}${rng.digits(subscriberDigits)}`,
    );
  }

  private extension(rng: Random, customer: CustomerDraft): string {
    for (;;) {
      const extension = String(rng.int(10, 89));
      if (!customer.usedExtensions.has(extension)) {
        customer.usedExtensions.add(extension);
        return customer.officePrefix + extension;
      }
    }
  }

  private uniqueSlug(text: string, city: City): string {
    const base = slugify(text, 28);
    const candidates = [base, `${base}-${slugify(city.name)}`];
    for (let n = 2; ; n++) {
      const slug = candidates.shift() ?? `${base}${n}`;
      if (!this.usedSlugs.has(slug)) {
        this.usedSlugs.add(slug);
        return slug;
      }
    }
  }

  private companyBaseName(rng: Random, country: Country, founderLastName: string): string {
    const pattern = rng.weighted([
      ["surnameTrade", 35],
      ["tradeSurname", 20],
      ["regionTrade", 20],
      ["brandTrade", 15],
      ["partners", 10],
    ] as const);
    switch (pattern) {
      case "surnameTrade":
        return `${founderLastName} ${rng.pick(TRADES)}`;
      case "tradeSurname":
        return `${rng.pick(TRADE_PREFIXES)} ${founderLastName}`;
      case "regionTrade":
        return `${rng.pick(REGION_WORDS[country])} ${rng.pick(TRADES)}`;
      case "brandTrade":
        return `${rng.pick(BRAND_WORDS)} ${rng.pick(TRADES)}`;
      case "partners": {
        const partner = rng.chance(0.5) ? "Partner" : this.person(rng, country).lastName;
        return `${founderLastName} & ${partner} ${rng.pick(PARTNERSHIP_TRADES)}`;
      }
    }
  }

  // ---- Customers ----

  private newCustomer(
    rng: Random,
    index: number,
    fields: {
      country: Country;
      city: City;
      address: Address;
      kind: "BUSINESS" | "PRIVATE";
      person: Person;
      companyName: string | null;
      legalForm: string | null;
      slug: string;
      domain: string;
      email: string;
      sinceDay: number;
    },
  ): CustomerDraft {
    const { country, address, person, kind } = fields;
    const row: CustomerRow = {
      id: this.nextId("customers"),
      customer_number: String(1_000_001 + index),
      reseller_id: null,
      kind,
      company_name: fields.companyName,
      legal_form: fields.legalForm,
      salutation: person.salutation,
      first_name: person.firstName,
      last_name: person.lastName,
      vat_id: null,
      street: address.street,
      postal_code: address.postalCode,
      city: address.city,
      country_code: country,
      email: fields.email,
      phone: null,
      mobile: null,
      billing_name: null,
      billing_street: null,
      billing_postal_code: null,
      billing_city: null,
      billing_country_code: null,
      payment_method: "BANK_TRANSFER",
      sepa_iban: null,
      sepa_bic: null,
      sepa_account_holder: null,
      sepa_mandate_reference: null,
      sepa_mandate_date: null,
      sepa_scheme: null,
      online_invoice_enabled: 0,
      online_invoice_email: null,
      online_invoice_enabled_at: null,
      newsletter_enabled: 0,
      newsletter_email: null,
      newsletter_consent_at: null,
      customer_pin: rng.digits(6),
      customer_password_hash: null,
      ip_allowlist: null,
      locale: "de",
      status: "ACTIVE",
      version: 1,
      created_at: isoDateTime(fields.sinceDay, officeHours(rng)),
      updated_at: "",
    };
    const customer: CustomerDraft = {
      row,
      country,
      address,
      displayName: fields.companyName ?? fullName(person),
      domain: fields.domain,
      slug: fields.slug,
      sinceDay: fields.sinceDay,
      officePrefix: this.officePrefix(rng, fields.city),
      usedExtensions: new Set(),
      branch: null,
      contacts: [],
      products: [],
    };
    this.data.customers.push(row);
    return customer;
  }

  private setSepa(rng: Random, customer: CustomerDraft, scheme: "CORE" | "B2B"): void {
    const bank = rng.pick(BANKS[customer.country]);
    const account = rng.digits(customer.country === "AT" ? 11 : 10);
    const row = customer.row;
    row.payment_method = "SEPA_DIRECT_DEBIT";
    row.sepa_iban = makeIban(customer.country, bank.bankCode + account);
    row.sepa_bic = bank.bic;
    row.sepa_account_holder = row.billing_name ?? customer.displayName;
    row.sepa_mandate_reference = `KONTO-${row.customer_number}-01`;
    row.sepa_mandate_date = isoDate(Math.min(customer.sinceDay + rng.int(0, 60), this.todayDay - 30));
    row.sepa_scheme = scheme;
  }

  /** A day between the customer's start and yesterday, for settings changed later on. */
  private laterDay(rng: Random, customer: CustomerDraft): number {
    return rng.int(customer.sinceDay, this.todayDay - 1);
  }

  private randomCustomer(rng: Random, index: number): CustomerDraft {
    const country: Country = rng.chance(0.55) ? "AT" : "DE";
    const kind = rng.chance(0.9) ? "BUSINESS" : "PRIVATE";
    const city = this.pickCity(rng, country);
    const address = this.address(rng, city);
    const person = this.person(rng, country);
    const sinceDay = rng.int(this.todayDay - 6 * 365, this.todayDay - 400);

    let customer: CustomerDraft;
    if (kind === "BUSINESS") {
      const legalForm = rng.weighted(LEGAL_FORMS[country]);
      const baseName = this.companyBaseName(rng, country, person.lastName);
      const slug = this.uniqueSlug(baseName, city);
      const domain = `${slug}.${topLevelDomain(country)}`;
      customer = this.newCustomer(rng, index, {
        country,
        city,
        address,
        kind,
        person,
        slug,
        domain,
        sinceDay,
        companyName: `${baseName} ${legalForm}`,
        legalForm,
        email: `${country === "AT" ? "office" : "info"}@${domain}`,
      });
      const row = customer.row;
      // Small sole traders (e.U., e.K.) are sometimes below the VAT threshold.
      const smallTrader = legalForm === "e.U." || legalForm === "e.K.";
      if (!smallTrader || rng.chance(0.7)) row.vat_id = country === "AT" ? austrianVatId(rng) : germanVatId(rng);
      row.phone = customer.officePrefix + "00";
      if (rng.chance(0.5)) row.mobile = this.mobileNumber(rng, country);
      if (rng.chance(0.05)) {
        row.ip_allowlist = JSON.stringify(
          rng.pick([
            ["203.0.113.0/24", "198.51.100.7"],
            ["192.0.2.10", "192.0.2.11"],
            ["198.51.100.0/25", "2001:db8:1200::/48"],
            ["203.0.113.45"],
          ]),
        );
      }
    } else {
      const slug = this.uniqueSlug(`${person.firstName} ${person.lastName}`, city);
      const suffix = rng.chance(0.5) ? String(rng.int(1, 99)) : "";
      customer = this.newCustomer(rng, index, {
        country,
        city,
        address,
        kind,
        person,
        slug,
        sinceDay,
        companyName: null,
        legalForm: null,
        domain: `${slug}.${topLevelDomain(country)}`,
        email: `${emailLocalPart(person)}${suffix}@${rng.pick(PRIVATE_MAIL_DOMAINS[country])}`,
      });
      customer.row.mobile = this.mobileNumber(rng, country);
      if (rng.chance(0.3)) customer.row.phone = customer.officePrefix + "00";
    }
    const row = customer.row;

    if (rng.chance(0.3)) {
      row.reseller_id = this.resellerId(
        country === "AT"
          ? rng.weighted([
              [0, 80],
              [2, 20],
            ] as const)
          : rng.weighted([
              [1, 50],
              [2, 50],
            ] as const),
      );
    }
    if (rng.chance(0.35)) this.setBillingAddress(rng, customer, person);
    if (rng.chance(0.6)) this.setSepa(rng, customer, kind === "BUSINESS" && rng.chance(0.2) ? "B2B" : "CORE");

    let lastChange = sinceDay;
    if (rng.chance(0.5)) {
      const day = this.laterDay(rng, customer);
      lastChange = Math.max(lastChange, day);
      row.online_invoice_enabled = 1;
      row.online_invoice_email = kind === "BUSINESS" ? `rechnung@${customer.domain}` : row.email;
      row.online_invoice_enabled_at = isoDateTime(day, officeHours(rng));
    }
    if (rng.chance(0.25)) {
      const day = this.laterDay(rng, customer);
      lastChange = Math.max(lastChange, day);
      row.newsletter_enabled = 1;
      row.newsletter_email = kind === "BUSINESS" ? `${emailLocalPart(person)}@${customer.domain}` : row.email;
      row.newsletter_consent_at = isoDateTime(day, officeHours(rng));
    }
    if (rng.chance(0.15)) row.locale = "en";
    if (rng.chance(0.03)) row.status = "SUSPENDED";
    row.updated_at = isoDateTime(rng.int(Math.min(lastChange + 1, this.todayDay - 1), this.todayDay - 1), officeHours(rng));

    this.randomContacts(rng, customer, person);
    this.randomProducts(rng, customer);
    return customer;
  }

  private resellerId(position: number): number {
    return this.data.resellers[position].id;
  }

  private setBillingAddress(rng: Random, customer: CustomerDraft, person: Person): void {
    const country = rng.chance(0.93) ? customer.country : customer.country === "AT" ? "DE" : "AT";
    const address = this.address(rng, this.pickCity(rng, country));
    let name = customer.displayName;
    if (customer.row.kind === "BUSINESS") {
      name = rng.weighted([
        [customer.displayName, 50],
        [`${person.lastName} Holding GmbH`, 30],
        [`${customer.displayName} c/o ${this.person(rng, country).lastName} Steuerberatung GmbH`, 20],
      ] as const);
    }
    const row = customer.row;
    row.billing_name = name;
    row.billing_street = address.street;
    row.billing_postal_code = address.postalCode;
    row.billing_city = address.city;
    row.billing_country_code = address.country;
  }

  // ---- Contacts ----

  private addContact(
    rng: Random,
    customer: CustomerDraft,
    contact: {
      types: readonly ContactType[];
      person: Person;
      email: string;
      confirmed: boolean;
      phone: string | null;
      restrictions?: string | null;
      receivesInvoices: boolean;
      createdDay: number;
    },
  ): void {
    const createdAt = isoDateTime(contact.createdDay, rng.int(7 * 3600, 12 * 3600));
    const confirmedDay = Math.min(contact.createdDay + rng.int(0, 2), this.todayDay - 1);
    const confirmedAt = contact.confirmed ? isoDateTime(confirmedDay, rng.int(13 * 3600, 20 * 3600)) : null;
    this.data.contacts.push({
      id: this.nextId("contacts"),
      customer_id: customer.row.id,
      types: CONTACT_TYPE_ORDER.filter((type) => contact.types.includes(type)).join(","),
      salutation: contact.person.salutation,
      first_name: contact.person.firstName,
      last_name: contact.person.lastName,
      email: contact.email,
      email_confirmed_at: confirmedAt,
      phone: contact.phone,
      phone_password_hash: null,
      restrictions: contact.restrictions ?? null,
      receives_invoices: contact.receivesInvoices && contact.confirmed ? 1 : 0,
      created_at: createdAt,
      updated_at: confirmedAt ?? createdAt,
    });
    customer.contacts.push(this.data.contacts[this.data.contacts.length - 1]);
  }

  private randomContacts(rng: Random, customer: CustomerDraft, principal: Person): void {
    const business = customer.row.kind === "BUSINESS";
    const count = business
      ? rng.weighted([
          [3, 15],
          [4, 20],
          [5, 25],
          [6, 20],
          [7, 20],
        ] as const)
      : rng.int(3, 4);
    const technicalWanted = rng.weighted([
      [0, 10],
      [1, 50],
      [2, 40],
    ] as const);

    const principalRoles: ContactType[] = ["STANDARD"];
    if (business && rng.chance(0.35)) principalRoles.push("OWNER");
    if (business && rng.chance(0.35)) principalRoles.push("SIGNATORY");
    const roles: ContactType[][] = [];
    let free = count - 1;
    if (rng.chance(0.4)) {
      // The principal handles billing too when there is no room for a separate person, and sometimes anyway.
      if (free <= technicalWanted || rng.chance(0.25)) principalRoles.push("BILLING");
      else {
        roles.push(["BILLING"]);
        free--;
      }
    }
    const technical = Math.min(technicalWanted, free);
    for (let i = 0; i < technical; i++) roles.push(rng.chance(0.15) ? ["STANDARD", "TECHNICAL"] : ["TECHNICAL"]);
    free -= technical;
    for (let i = 0; i < free; i++) roles.push(rng.weighted(business ? FILLER_ROLES_BUSINESS : FILLER_ROLES_PRIVATE));
    rng.shuffle(roles);
    roles.unshift(principalRoles);

    const usedNames = new Set<string>();
    roles.forEach((types, position) => {
      let person = principal;
      if (position > 0) {
        do {
          person = this.person(rng, customer.country, !business && rng.chance(0.5) ? principal.lastName : undefined);
        } while (usedNames.has(fullName(person)));
      }
      usedNames.add(fullName(person));

      const email = business
        ? `${emailLocalPart(person)}@${customer.domain}`
        : position === 0
          ? customer.row.email
          : `${emailLocalPart(person)}${rng.int(1, 99)}@${rng.pick(PRIVATE_MAIL_DOMAINS[customer.country])}`;
      let phone: string | null;
      if (business) {
        phone =
          rng.weighted([
            ["office", 65],
            ["mobile", 25],
            ["none", 10],
          ] as const) === "office"
            ? this.extension(rng, customer)
            : rng.chance(0.72)
              ? this.mobileNumber(rng, customer.country)
              : null;
      } else {
        phone = position === 0 ? customer.row.mobile : rng.chance(0.8) ? this.mobileNumber(rng, customer.country) : null;
      }
      const confirmed = rng.chance(0.9);
      const paperwork = types.includes("STANDARD") || types.includes("BILLING");
      this.addContact(rng, customer, {
        types,
        person,
        email,
        confirmed,
        phone,
        restrictions: !types.includes("OWNER") && rng.chance(0.12) ? rng.pick(CONTACT_RESTRICTIONS) : null,
        receivesInvoices: paperwork && rng.chance(0.3),
        createdDay: position === 0 || rng.chance(0.5) ? customer.sinceDay : this.laterDay(rng, customer),
      });
    });
  }

  // ---- Products ----

  private addProduct(rng: Random, customer: CustomerDraft, product: ProductSpec): ProductDraft {
    const period = product.billingPeriod ?? "MONTHLY";
    let { startDay, endDay = null } = product;
    if (startDay === undefined) {
      if (product.status === "ORDERED") startDay = this.todayDay + rng.int(7, 60);
      else if (period === "ONE_TIME") startDay = rng.int(customer.sinceDay, this.todayDay - 7);
      else startDay = rng.int(customer.sinceDay, this.todayDay - 366);
    }
    if (product.status === "CANCELLED" && endDay === null) {
      endDay = rng.int(Math.max(startDay + 365, this.todayDay - 330), this.todayDay - 1);
    }
    const createdDay =
      product.status === "ORDERED" ? this.todayDay - rng.int(1, 20) : Math.max(customer.sinceDay, startDay - rng.int(7, 30));
    const createdAt = isoDateTime(createdDay, officeHours(rng));
    const updatedAt = endDay !== null ? isoDateTime(Math.max(createdDay, endDay - rng.int(30, 90)), officeHours(rng)) : createdAt;
    const installation = product.installation ?? null;
    const row: ProductRow = {
      id: this.nextId("products"),
      customer_id: customer.row.id,
      type: product.type,
      plan: product.plan,
      plan_id: this.planIds.get(catalogKey(product.type, product.plan)) ?? null,
      identifier: product.identifier,
      status: product.status,
      installation_street: installation?.street ?? null,
      installation_postal_code: installation?.postalCode ?? null,
      installation_city: installation?.city ?? null,
      installation_country_code: installation?.country ?? null,
      price_amount: product.priceAmount,
      price_currency: "EUR",
      billing_period: period,
      start_date: isoDate(startDay),
      end_date: endDay === null ? null : isoDate(endDay),
      specs: product.specs ? JSON.stringify(product.specs) : null,
      created_at: createdAt,
      updated_at: updatedAt,
    };
    this.data.products.push(row);
    const draft = { row, startDay, endDay };
    customer.products.push(draft);
    return draft;
  }

  private branchOffice(rng: Random, customer: CustomerDraft): Address {
    customer.branch ??= this.address(rng, this.pickCity(rng, customer.country, customer.address.city));
    return customer.branch;
  }

  private lineId(rng: Random, country: Country): string {
    return this.uniqueNumber(() => `${country === "AT" ? "ATL" : "DEL"}-${rng.int(100000, 999999)}`);
  }

  private randomProducts(rng: Random, customer: CustomerDraft): void {
    const business = customer.row.kind === "BUSINESS";
    const types: ProductType[] = business
      ? [
          "DOMAIN",
          rng.weighted([
            ["WEB_HOSTING", 40],
            ["MAIL", 30],
            ["INTERNET_LINE", 30],
          ] as const),
        ]
      : ["INTERNET_LINE", rng.weighted(PRODUCT_MIX_PRIVATE)];
    const count = business
      ? rng.weighted([
          [4, 15],
          [5, 20],
          [6, 25],
          [7, 20],
          [8, 20],
        ] as const)
      : rng.int(4, 5);
    while (types.length < count) types.push(rng.weighted(business ? PRODUCT_MIX_BUSINESS : PRODUCT_MIX_PRIVATE));

    const tld = topLevelDomain(customer.country);
    const otherTld = customer.country === "AT" ? "de" : "at";
    const domainPool = [
      customer.domain,
      ...EXTRA_DOMAIN_PATTERNS.map((p) => p.replace("{slug}", customer.slug).replace("{tld}", tld).replace("{other}", otherTld)),
    ];
    const counters: Partial<Record<ProductType, number>> = {};
    const customerSuspended = customer.row.status === "SUSPENDED";

    types.forEach((type, position) => {
      const nth = (counters[type] = (counters[type] ?? 0) + 1);
      // The first two products are what the customer came for and are always live.
      let status: ProductStatus = position < 2 ? "ACTIVE" : rng.weighted(PRODUCT_STATUSES);
      if (customerSuspended && status === "ACTIVE") status = "SUSPENDED";
      const setup = business && position >= 2 && type in SETUP_PLANS && rng.chance(0.12);
      if (setup) {
        const setupPlan = SETUP_PLANS[type as keyof typeof SETUP_PLANS];
        this.addProduct(rng, customer, {
          type,
          ...setupPlan,
          identifier: type === "SERVER" ? `srv01.${customer.domain}` : customer.domain,
          status: "ACTIVE",
          billingPeriod: "ONE_TIME",
        });
        return;
      }
      const mainAddress = customer.address;
      switch (type) {
        case "DOMAIN": {
          this.addProduct(rng, customer, domainProduct(domainPool[Math.min(nth - 1, domainPool.length - 1)], status, rng.chance(0.9)));
          break;
        }
        case "WEB_HOSTING": {
          const plan = business ? rng.pick(HOSTING_PLANS) : HOSTING_PLANS[0];
          const identifier =
            nth === 1 ? customer.domain : `${HOSTING_SUBDOMAINS[(nth - 2) % HOSTING_SUBDOMAINS.length]}.${customer.domain}`;
          this.addProduct(rng, customer, { type, ...plan, identifier, status });
          break;
        }
        case "MAIL": {
          const identifier = domainPool[Math.min(nth - 1, domainPool.length - 1)];
          this.addProduct(rng, customer, exchangeProduct(identifier, rng.pick(MAILBOX_COUNTS), status));
          break;
        }
        case "SERVER": {
          const plan = rng.weighted(SERVER_PLANS.map((p) => [p, p.colocation ? 15 : p.plan === "Dedicated R640" ? 20 : 35] as const));
          this.addProduct(rng, customer, {
            ...serverProduct(plan, `srv${String(nth).padStart(2, "0")}.${customer.domain}`, status),
            installation: plan.colocation ? { ...DATA_CENTRES[customer.country], country: customer.country } : null,
          });
          break;
        }
        case "VOIP": {
          const atBranch = nth > 1 ? rng.chance(0.6) : rng.chance(0.1);
          const installation = atBranch ? this.branchOffice(rng, customer) : mainAddress;
          // The head-office trunk carries the customer's central number block; other trunks get their own.
          const prefix =
            nth === 1 && !atBranch ? customer.officePrefix : this.officePrefix(rng, this.cityOf(customer.country, installation.city));
          this.addProduct(rng, customer, {
            type,
            ...rng.weighted(VOIP_PLANS.map((p) => [p, p.plan === "SIP Trunk 10" ? 50 : 25] as const)),
            identifier: `${prefix}00-99`,
            status,
            installation,
          });
          break;
        }
        case "INTERNET_LINE": {
          const atBranch = nth > 1 ? rng.chance(0.6) : rng.chance(0.1);
          const plan = business
            ? rng.weighted(LINE_PLANS.map((p) => [p, p.plan === "Business Fiber 1000/500" ? 15 : 40] as const))
            : LINE_PLANS[0];
          this.addProduct(rng, customer, {
            type,
            ...plan,
            identifier: this.lineId(rng, customer.country),
            status,
            installation: atBranch ? this.branchOffice(rng, customer) : mainAddress,
          });
          break;
        }
        case "MOBILE": {
          const plan: Plan = business ? rng.pick(MOBILE_PLANS) : MOBILE_PLANS[0];
          this.addProduct(rng, customer, { type, ...plan, identifier: this.mobileNumber(rng, customer.country), status });
          break;
        }
      }
    });
  }

  private cityOf(country: Country, name: string): City {
    return CITIES_BY_COUNTRY[country].find((city) => city.name === name) ?? CITIES_BY_COUNTRY[country][0];
  }

  // ---- Showcase customers (used in the README) ----

  private alpenblick(rng: Random): CustomerDraft {
    const wien = this.cityOf("AT", "Wien");
    const director: Person = { salutation: "Herr", firstName: "Thomas", lastName: "Brunner" };
    const sinceDay = this.todayDay - 5 * 365 - 40;
    const customer = this.newCustomer(rng, 0, {
      country: "AT",
      city: wien,
      address: { street: "Neubaugasse 64/3", postalCode: "1070", city: "Wien", country: "AT" },
      kind: "BUSINESS",
      person: director,
      companyName: "Alpenblick Webservices GmbH",
      legalForm: "GmbH",
      slug: "alpenblick",
      domain: "alpenblick.at",
      email: "office@alpenblick.at",
      sinceDay,
    });
    customer.officePrefix = "+43152364";
    this.usedNumbers.add(customer.officePrefix);
    const row = customer.row;
    row.vat_id = "ATU12345675";
    row.phone = "+4315236400";
    row.mobile = this.mobileNumber(rng, "AT");
    row.customer_pin = "493817";
    row.payment_method = "SEPA_DIRECT_DEBIT";
    row.sepa_iban = makeIban("AT", "20111" + "82917364510");
    row.sepa_bic = "GIBAATWWXXX";
    row.sepa_account_holder = "Alpenblick Webservices GmbH";
    row.sepa_mandate_reference = "KONTO-1000001-01";
    row.sepa_mandate_date = isoDate(sinceDay + 3);
    row.sepa_scheme = "CORE";
    row.online_invoice_enabled = 1;
    row.online_invoice_email = "rechnung@alpenblick.at";
    row.online_invoice_enabled_at = isoDateTime(sinceDay + 3, 10 * 3600);
    row.newsletter_enabled = 1;
    row.newsletter_email = "thomas.brunner@alpenblick.at";
    row.newsletter_consent_at = isoDateTime(sinceDay + 3, 10 * 3600 + 120);
    row.updated_at = isoDateTime(this.todayDay - 42, 9 * 3600);

    const people: [ContactType[], Person, Partial<{ restrictions: string; confirmed: boolean; receivesInvoices: boolean }>][] = [
      [["STANDARD"], { salutation: "Frau", firstName: "Katharina", lastName: "Gruber" }, {}],
      [["OWNER"], director, {}],
      [["SIGNATORY"], { salutation: "Frau", firstName: "Elisabeth", lastName: "Haas" }, {}],
      [["BILLING"], { salutation: "Herr", firstName: "Markus", lastName: "Leitner" }, { receivesInvoices: true }],
      [["TECHNICAL"], { salutation: "Herr", firstName: "Lukas", lastName: "Hofer" }, {}],
      [
        ["TECHNICAL"],
        { salutation: "Frau", firstName: "Sophie", lastName: "Wallner" },
        { restrictions: "Nur technische Auskünfte, keine Vertragsänderungen." },
      ],
      [
        ["OTHER"],
        { salutation: "Herr", firstName: "Florian", lastName: "Eder" },
        { restrictions: "Darf keine Verträge kündigen.", confirmed: false },
      ],
    ];
    for (const [types, person, extra] of people) {
      this.addContact(rng, customer, {
        types,
        person,
        email: `${emailLocalPart(person)}@alpenblick.at`,
        confirmed: extra.confirmed ?? true,
        phone: this.extension(rng, customer),
        restrictions: extra.restrictions ?? null,
        receivesInvoices: extra.receivesInvoices ?? false,
        createdDay: sinceDay,
      });
    }

    const office = customer.address;
    const products: ProductSpec[] = [
      domainProduct("alpenblick.at", "ACTIVE"),
      { type: "WEB_HOSTING", ...HOSTING_PLANS[1], identifier: "alpenblick.at", status: "ACTIVE" },
      exchangeProduct("alpenblick.at", 25, "ACTIVE"),
      serverProduct(SERVER_PLANS[0], "srv01.alpenblick.at", "ACTIVE"),
      { type: "INTERNET_LINE", ...LINE_PLANS[1], identifier: this.lineId(rng, "AT"), status: "ACTIVE", installation: office },
      { type: "VOIP", ...VOIP_PLANS[1], identifier: "+4315236400-99", status: "ACTIVE", installation: office },
      { type: "MOBILE", ...MOBILE_PLANS[2], identifier: this.mobileNumber(rng, "AT"), status: "ACTIVE" },
    ];
    products.forEach((product, i) => this.addProduct(rng, customer, { ...product, startDay: sinceDay + 14 + i * 90 }));
    return customer;
  }

  private isarwerk(rng: Random): CustomerDraft {
    const muenchen = this.cityOf("DE", "München");
    const director: Person = { salutation: "Frau", firstName: "Sabine", lastName: "Hartmann" };
    const sinceDay = this.todayDay - 3 * 365 - 75;
    const customer = this.newCustomer(rng, 1, {
      country: "DE",
      city: muenchen,
      address: { street: "Leopoldstraße 118", postalCode: "80802", city: "München", country: "DE" },
      kind: "BUSINESS",
      person: director,
      companyName: "Isarwerk Digital GmbH",
      legalForm: "GmbH",
      slug: "isarwerk",
      domain: "isarwerk.de",
      email: "info@isarwerk.de",
      sinceDay,
    });
    const row = customer.row;
    row.reseller_id = this.resellerId(1);
    row.vat_id = "DE136695976";
    row.phone = customer.officePrefix + "00";
    row.customer_pin = "715204";
    row.updated_at = isoDateTime(this.todayDay - 120, 14 * 3600);

    const people: [ContactType[], Person, boolean][] = [
      [["STANDARD", "OWNER"], director, false],
      [["BILLING"], { salutation: "Herr", firstName: "Jan", lastName: "Köhler" }, true],
      [["SIGNATORY"], { salutation: "Frau", firstName: "Laura", lastName: "Schneider" }, false],
      [["OTHER"], { salutation: "Herr", firstName: "Tobias", lastName: "Krüger" }, false],
    ];
    for (const [types, person, receivesInvoices] of people) {
      this.addContact(rng, customer, {
        types,
        person,
        email: `${emailLocalPart(person)}@isarwerk.de`,
        confirmed: true,
        phone: this.extension(rng, customer),
        receivesInvoices,
        createdDay: sinceDay,
      });
    }

    const products: ProductSpec[] = [
      domainProduct("isarwerk.de", "ACTIVE"),
      { type: "WEB_HOSTING", ...HOSTING_PLANS[2], identifier: "isarwerk.de", status: "ACTIVE" },
      exchangeProduct("isarwerk.de", 15, "ACTIVE"),
      { type: "INTERNET_LINE", ...LINE_PLANS[2], identifier: this.lineId(rng, "DE"), status: "ACTIVE", installation: customer.address },
      { type: "MOBILE", ...MOBILE_PLANS[1], identifier: this.mobileNumber(rng, "DE"), status: "ACTIVE" },
      { ...serverProduct(SERVER_PLANS[1], "srv01.isarwerk.de", "CANCELLED"), endDay: this.todayDay - 100 },
    ];
    products.forEach((product, i) => this.addProduct(rng, customer, { ...product, startDay: sinceDay + 10 + i * 60 }));
    return customer;
  }

  // ---- Invoices ----

  private isLiveIn(product: ProductDraft, firstDay: number, lastDay: number): boolean {
    return product.row.status !== "ORDERED" && product.startDay <= lastDay && (product.endDay === null || product.endDay >= firstDay);
  }

  /**
   * 12 monthly invoices (1st, fees billed in advance) plus 12 for the previous month (15th: usage,
   * one-offs and the fees of products that did not fit on the monthly invoice, billed in arrears).
   */
  private addInvoices(rng: Random, customer: CustomerDraft, flags: InvoiceFlags): void {
    const currentMonth = monthOfDay(this.todayDay);
    // Fixed per customer, so that no product month is billed twice or skipped when the split changes.
    const monthly = customer.products
      .filter((p) => p.row.billing_period === "MONTHLY")
      .sort((a, b) => ADVANCE_BILLING_ORDER.indexOf(a.row.type) - ADVANCE_BILLING_ORDER.indexOf(b.row.type) || a.row.id - b.row.id);
    const inAdvance = monthly.slice(0, MAX_LINES);
    const inArrears = monthly.slice(MAX_LINES);
    const ownDrafts: InvoiceDraft[] = [];
    const draft = (fields: Pick<InvoiceDraft, "issueDay" | "sequence" | "periodStart" | "periodEnd" | "lines">): InvoiceDraft => {
      const invoice: InvoiceDraft = {
        customer,
        kind: "INVOICE",
        status: "OPEN",
        paidAt: null,
        original: null,
        id: 0,
        number: "",
        ...fields,
      };
      ownDrafts.push(invoice);
      return invoice;
    };

    for (let month = currentMonth - 11; month <= currentMonth; month++) {
      const first = firstDayOfMonth(month);
      const last = firstDayOfMonth(month + 1) - 1;
      draft({
        issueDay: first,
        sequence: 0,
        periodStart: isoDate(first),
        periodEnd: isoDate(last),
        lines: this.monthlyLines(inAdvance, month, first, last),
      });
      const previousFirst = firstDayOfMonth(month - 1);
      draft({
        issueDay: Math.min(first + 14, this.todayDay),
        sequence: 1,
        periodStart: isoDate(previousFirst),
        periodEnd: isoDate(first - 1),
        lines: this.usageLines(rng, customer, inArrears, month, previousFirst, first - 1),
      });
    }

    const sepa = customer.row.payment_method === "SEPA_DIRECT_DEBIT";
    for (const invoice of ownDrafts) {
      if (invoice.issueDay + 14 >= this.todayDay) continue; // not yet due: stays OPEN
      invoice.status = "PAID";
      invoice.paidAt = isoDateTime(invoice.issueDay + (sepa ? rng.int(3, 8) : rng.int(2, 12)), officeHours(rng));
    }

    // Direct debits rarely fail; transfers are forgotten more often. Together with suspended customers about 10%.
    const overdue = !flags.noOverdue && (flags.forceOverdue || rng.chance(sepa ? 0.04 : 0.12));
    if (overdue) {
      const candidates = ownDrafts.filter((d) => d.issueDay + 14 < this.todayDay && d.issueDay >= this.todayDay - 120);
      if (candidates.length) {
        const invoice = rng.pick(candidates);
        invoice.status = "OPEN";
        invoice.paidAt = null;
      }
    }

    if (flags.forceCreditNote || rng.chance(0.05)) {
      const candidates = ownDrafts.filter((d) => d.status === "PAID" && d.issueDay <= this.todayDay - 30);
      if (candidates.length) {
        const original = rng.pick(candidates);
        original.status = "CANCELLED";
        original.paidAt = null;
        const issueDay = original.issueDay + rng.int(3, 20);
        ownDrafts.push({
          customer,
          kind: "CREDIT_NOTE",
          issueDay,
          sequence: 2,
          periodStart: original.periodStart,
          periodEnd: original.periodEnd,
          // Settled against the cancelled invoice on issue, so it never shows as overdue.
          status: "PAID",
          paidAt: isoDateTime(issueDay, officeHours(rng)),
          lines: [],
          original,
          id: 0,
          number: "",
        });
      }
    }
    this.invoiceDrafts.push(...ownDrafts);
  }

  /** "Monatsentgelt" lines for the products live in the given month; half a month when started or ended in it. */
  private feeLines(products: readonly ProductDraft[], month: number, first: number, last: number): LineDraft[] {
    return products
      .filter((p) => this.isLiveIn(p, first, last))
      .map((p): LineDraft => {
        const partial = p.startDay > first || (p.endDay !== null && p.endDay < last);
        return {
          description: `${p.row.plan} (${p.row.identifier}) – Monatsentgelt ${monthLabel(month)}${partial ? " (anteilig)" : ""}`,
          productId: p.row.id,
          quantityMilli: partial ? 500 : 1000,
          unitPrice: p.row.price_amount,
        };
      });
  }

  private monthlyLines(products: readonly ProductDraft[], month: number, first: number, last: number): LineDraft[] {
    const lines = this.feeLines(products, month, first, last);
    if (!lines.length) {
      lines.push({
        description: `Servicepauschale – Monatsentgelt ${monthLabel(month)}`,
        productId: null,
        quantityMilli: 1000,
        unitPrice: 490,
      });
    }
    return lines;
  }

  private usageLines(
    rng: Random,
    customer: CustomerDraft,
    inArrears: readonly ProductDraft[],
    month: number,
    previousFirst: number,
    previousLast: number,
  ): LineDraft[] {
    const usageMonth = monthLabel(month - 1);
    // Annual fees, one-offs and fees in arrears are always charged; usage lines fill up what room is left.
    const due: LineDraft[] = this.feeLines(inArrears, month - 1, previousFirst, previousLast);
    const optional: LineDraft[] = [];
    for (const p of customer.products) {
      const { row } = p;
      if (
        row.billing_period === "YEARLY" &&
        monthOfDay(p.startDay) % 12 === month % 12 &&
        this.isLiveIn(p, firstDayOfMonth(month), firstDayOfMonth(month))
      ) {
        due.push({
          description: `${row.plan} ${row.identifier} – Jahresgebühr ${monthLabel(month)}–${monthLabel(month + 11)}`,
          productId: row.id,
          quantityMilli: 1000,
          unitPrice: row.price_amount,
        });
      } else if (row.billing_period === "ONE_TIME" && monthOfDay(p.startDay) === month - 1) {
        due.push({
          description: `${row.plan} (${row.identifier}) – einmalig`,
          productId: row.id,
          quantityMilli: 1000,
          unitPrice: row.price_amount,
        });
      } else if (row.billing_period === "MONTHLY" && this.isLiveIn(p, previousFirst, previousLast)) {
        const addOn = (description: string, unitPrice: number, quantityMilli = 1000) =>
          optional.push({ description: `${description} – ${usageMonth}`, productId: row.id, quantityMilli, unitPrice });
        switch (row.type) {
          case "VOIP":
            if (rng.chance(0.7)) addOn(`Verbindungsentgelte ${row.plan} (${row.identifier})`, rng.int(150, 9000));
            break;
          case "MOBILE":
            if (rng.chance(0.5)) addOn(`Roaming und Zusatzdienste ${row.identifier}`, rng.int(90, 4500));
            if (rng.chance(0.02)) addOn(`Ersatz-SIM-Karte ${row.identifier}`, 990);
            break;
          case "SERVER":
            if (row.installation_street !== null) break;
            if (rng.chance(0.1)) addOn(`Zusätzlicher Traffic ${row.identifier}`, rng.int(500, 3000));
            if (rng.chance(0.15)) addOn(`Backup-Speicher 100 GB (${row.identifier})`, 990);
            break;
          case "WEB_HOSTING":
            if (rng.chance(0.1)) addOn(`Zusätzlicher Speicherplatz 10 GB (${row.identifier})`, 290, rng.pick([1000, 2000, 3000]));
            if (rng.chance(0.03)) addOn(`SSL-Zertifikat Wildcard (${row.identifier})`, 4900);
            break;
          case "MAIL":
            if (rng.chance(0.15)) addOn(`Zusätzliche Postfächer Exchange (${row.identifier})`, MAILBOX_PRICE, rng.pick([1000, 2000, 3000]));
            break;
          case "INTERNET_LINE":
            if (rng.chance(0.05)) addOn(`Zusätzliche statische IP-Adressen (${row.identifier})`, 500, 4000);
            break;
        }
      }
    }
    const hourly = TECHNICIAN_HOURLY[customer.country];
    if (rng.chance(0.08)) {
      const onSite = customer.products.find((p) => p.row.type === "INTERNET_LINE" || p.row.type === "VOIP");
      optional.push({
        description: `Technikereinsatz vor Ort${onSite ? ` (${onSite.row.identifier})` : ""} – ${usageMonth}`,
        productId: onSite?.row.id ?? null,
        quantityMilli: rng.pick([500, 1000, 1500, 2000]),
        unitPrice: hourly,
      });
    }
    if (customer.row.payment_method === "BANK_TRANSFER" && rng.chance(0.03)) {
      optional.push({ description: "Mahnspesen", productId: null, quantityMilli: 1000, unitPrice: DUNNING_FEE[customer.country] });
    }
    const lines = [...due, ...rng.shuffle(optional)].slice(0, MAX_LINES);
    if (!lines.length) {
      lines.push(
        rng.chance(0.75)
          ? {
              description: `Technischer Support (Zeitaufwand) – ${usageMonth}`,
              productId: null,
              quantityMilli: rng.pick([500, 1000]),
              unitPrice: hourly,
            }
          : { description: "Einrichtungsgebühr", productId: null, quantityMilli: 1000, unitPrice: rng.pick([2900, 4900, 9900]) },
      );
    }
    return lines;
  }

  /** Numbers gapless per year in issue order across all customers; ids follow the same order. */
  private numberAndEmitInvoices(): void {
    const drafts = this.invoiceDrafts.sort(
      (a, b) => a.issueDay - b.issueDay || a.customer.row.id - b.customer.row.id || a.sequence - b.sequence,
    );
    const counters = new Map<string, number>();
    for (const invoice of drafts) {
      const year = isoDate(invoice.issueDay).slice(0, 4);
      const series = invoice.kind === "CREDIT_NOTE" ? `GS-${year}-` : `${year}-`;
      const next = (counters.get(series) ?? 0) + 1;
      counters.set(series, next);
      invoice.id = this.nextId("invoices");
      invoice.number = series + String(next).padStart(6, "0");
    }

    const snapshots = new Map<CustomerDraft, BillingSnapshot>();
    for (const invoice of drafts) {
      const customer = invoice.customer;
      const vatRate = VAT_RATE[customer.country];
      let billing = snapshots.get(customer);
      if (!billing) snapshots.set(customer, (billing = billingSnapshot(customer)));
      const lines = invoice.original
        ? invoice.original.lines.map((line) => ({
            ...line,
            description: `Storno ${invoice.original!.number}: ${line.description}`.slice(0, 500),
            unitPrice: -line.unitPrice,
          }))
        : invoice.lines;

      const netByRate = new Map<string, number>();
      lines.forEach((line, index) => {
        const net = lineNetOf(line.quantityMilli, line.unitPrice);
        netByRate.set(vatRate, (netByRate.get(vatRate) ?? 0) + net);
        this.data.invoiceLines.push({
          id: this.nextId("invoiceLines"),
          invoice_id: invoice.id,
          position: index + 1,
          description: line.description,
          product_id: line.productId,
          quantity: quantityText(line.quantityMilli),
          unit_price_amount: line.unitPrice,
          vat_rate: vatRate,
          net_amount: net,
        });
      });
      let net = 0;
      let vat = 0;
      for (const [rate, rateNet] of netByRate) {
        net += rateNet;
        vat += vatOf(rateNet, rate);
      }

      this.data.invoices.push({
        id: invoice.id,
        customer_id: customer.row.id,
        number: invoice.number,
        kind: invoice.kind,
        original_invoice_id: invoice.original?.id ?? null,
        issue_date: isoDate(invoice.issueDay),
        due_date: isoDate(invoice.issueDay + 14),
        period_start: invoice.periodStart,
        period_end: invoice.periodEnd,
        status: invoice.status,
        net_amount: net,
        vat_amount: vat,
        gross_amount: net + vat,
        vat_breakdown: JSON.stringify([...netByRate].map(([rate, rateNet]) => ({ rate, net: rateNet, vat: vatOf(rateNet, rate) }))),
        currency: "EUR",
        billing_name: billing.name,
        billing_street: billing.street,
        billing_postal_code: billing.postalCode,
        billing_city: billing.city,
        billing_country_code: billing.country,
        billing_addressees: billing.addressees,
        paid_at: invoice.paidAt,
        // The billing run writes invoices at midnight UTC of the issue date.
        created_at: `${isoDate(invoice.issueDay)} 00:00:00.000`,
      });
    }
  }
}
