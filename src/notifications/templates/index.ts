import { renderChangeRequestDecided } from "./change-request-decided";
import { renderCustomerPasswordChanged } from "./customer-password-changed";
import { renderCustomerPasswordReset } from "./customer-password-reset";
import { renderEmailConfirmation } from "./email-confirmation";
import { renderEmailReplaced } from "./email-replaced";
import { renderInvoice } from "./invoice";
import { renderLoginExists } from "./login-exists";
import { renderMaintenanceNotice } from "./maintenance-notice";
import { renderMergeDecided } from "./merge-decided";
import { renderOrderDecided } from "./order-decided";
import { renderOrderPlaced } from "./order-placed";
import { renderPasswordChanged } from "./password-changed";
import { renderPasswordReset } from "./password-reset";
import { renderPaymentReminder } from "./payment-reminder";
import { renderRecoveryCodeUsed } from "./recovery-code-used";
import { renderSecondFactorChanged } from "./second-factor-changed";
import { renderSupportConfirmation } from "./support-confirmation";
import { renderSupportRequest } from "./support-request";
import { renderUsernameReminder } from "./username-reminder";
import { renderUserInvitation } from "./user-invitation";
import { renderUserMembershipChanged } from "./user-membership-changed";
import { renderWebhookDisabled } from "./webhook-disabled";

export * from "./template";
export { type EmailPurpose } from "./email-purpose";
export { type ChangeRequestDecidedData, renderChangeRequestDecided } from "./change-request-decided";
export { type CustomerPasswordChangedData, renderCustomerPasswordChanged } from "./customer-password-changed";
export { type CustomerPasswordResetData, renderCustomerPasswordReset } from "./customer-password-reset";
export { type EmailConfirmationData, renderEmailConfirmation } from "./email-confirmation";
export { type EmailReplacedData, renderEmailReplaced } from "./email-replaced";
export { type InvoiceData, renderInvoice } from "./invoice";
export { type LoginExistsData, renderLoginExists } from "./login-exists";
export { type MaintenanceNoticeData, renderMaintenanceNotice } from "./maintenance-notice";
export { type MergeDecidedData, renderMergeDecided } from "./merge-decided";
export { type OrderDecidedData, renderOrderDecided } from "./order-decided";
export { type OrderPlacedData, renderOrderPlaced } from "./order-placed";
export { type PasswordChangedData, renderPasswordChanged } from "./password-changed";
export { type PasswordResetData, renderPasswordReset } from "./password-reset";
export { type PaymentReminderData, renderPaymentReminder } from "./payment-reminder";
export { type RecoveryCodeUsedData, renderRecoveryCodeUsed } from "./recovery-code-used";
export { type SecondFactorChange, type SecondFactorChangedData, renderSecondFactorChanged } from "./second-factor-changed";
export { type SupportConfirmationData, renderSupportConfirmation } from "./support-confirmation";
export { type SupportRequestData, renderSupportRequest } from "./support-request";
export { type UsernameReminderData, renderUsernameReminder } from "./username-reminder";
export { type UserInvitationData, renderUserInvitation } from "./user-invitation";
export {
  type MembershipChange,
  type PortalRole,
  type UserMembershipChangedData,
  renderUserMembershipChanged,
} from "./user-membership-changed";
export { type WebhookDisabledData, renderWebhookDisabled } from "./webhook-disabled";

/** Every message by its key (the name of its file), so a registry or a job can name a template. */
export const TEMPLATES = {
  "change-request-decided": renderChangeRequestDecided,
  "customer-password-changed": renderCustomerPasswordChanged,
  "customer-password-reset": renderCustomerPasswordReset,
  "email-confirmation": renderEmailConfirmation,
  "email-replaced": renderEmailReplaced,
  invoice: renderInvoice,
  "login-exists": renderLoginExists,
  "maintenance-notice": renderMaintenanceNotice,
  "merge-decided": renderMergeDecided,
  "order-decided": renderOrderDecided,
  "order-placed": renderOrderPlaced,
  "password-changed": renderPasswordChanged,
  "password-reset": renderPasswordReset,
  "payment-reminder": renderPaymentReminder,
  "recovery-code-used": renderRecoveryCodeUsed,
  "second-factor-changed": renderSecondFactorChanged,
  "support-confirmation": renderSupportConfirmation,
  "support-request": renderSupportRequest,
  "username-reminder": renderUsernameReminder,
  "user-invitation": renderUserInvitation,
  "user-membership-changed": renderUserMembershipChanged,
  "webhook-disabled": renderWebhookDisabled,
} as const;

export type TemplateName = keyof typeof TEMPLATES;

/** The data a template takes, by its key: TemplateData<"invoice"> is InvoiceData. */
export type TemplateData<N extends TemplateName> = Parameters<(typeof TEMPLATES)[N]>[0];
