/**
 * The mails, each a subject, a plain-text part and an HTML part from the same few facts. The text
 * part carries the link whole (`…?token=<token>`), for clients that show no HTML.
 */
export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export type Template =
  | { template: "verify_email"; displayName: string; link: string; validHours: number }
  | { template: "password_reset"; displayName: string; link: string; validMinutes: number }
  | { template: "password_changed"; displayName: string; when: string }
  | { template: "invitation"; orgName: string; inviterName: string; role: string; link: string; validDays: number };

const PRODUCT = "VoxGuard";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(paragraphs: string[], action?: { label: string; link: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n");
  const button = action ? `\n<p><a href="${escapeHtml(action.link)}">${escapeHtml(action.label)}</a></p>` : "";
  return `<!doctype html>\n<html><body style="font-family:sans-serif">\n${body}${button}\n<p style="color:#666">${PRODUCT}</p>\n</body></html>\n`;
}

function text(paragraphs: string[], link?: string): string {
  const blocks = [...paragraphs, ...(link ? [link] : []), `— ${PRODUCT}`];
  return `${blocks.join("\n\n")}\n`;
}

export function render(mail: Template): Rendered {
  switch (mail.template) {
    case "verify_email": {
      const lines = [
        `Hello ${mail.displayName},`,
        `Confirm that this is your email address by opening the link below. It works once, for ${mail.validHours} hours.`,
      ];
      const ignore = "If you did not create an account, ignore this mail.";
      return {
        subject: `Confirm your email address for ${PRODUCT}`,
        text: text([...lines, ignore], mail.link),
        html: page([...lines, ignore], { label: "Confirm my email address", link: mail.link }),
      };
    }
    case "password_reset": {
      const lines = [
        `Hello ${mail.displayName},`,
        `Somebody asked to reset your ${PRODUCT} password. Open the link below to choose a new one; it works once, for ${mail.validMinutes} minutes, and signs out every session.`,
      ];
      const ignore = "If it wasn't you, ignore this mail: your password stays as it is.";
      return {
        subject: `Reset your ${PRODUCT} password`,
        text: text([...lines, ignore], mail.link),
        html: page([...lines, ignore], { label: "Choose a new password", link: mail.link }),
      };
    }
    case "password_changed": {
      const lines = [
        `Hello ${mail.displayName},`,
        `Your ${PRODUCT} password was changed at ${mail.when} and every session was signed out.`,
        "If you didn't do this, reset your password at once and tell your administrator.",
      ];
      return { subject: `Your ${PRODUCT} password was changed`, text: text(lines), html: page(lines) };
    }
    case "invitation": {
      const lines = [
        `${mail.inviterName} invited you to join ${mail.orgName} on ${PRODUCT} as ${mail.role}.`,
        `Open the link below while signed in with this email address (register with it first if you have no account). The invitation expires in ${mail.validDays} days.`,
      ];
      return {
        subject: `${mail.inviterName} invited you to ${mail.orgName} on ${PRODUCT}`,
        text: text(lines, mail.link),
        html: page(lines, { label: `Join ${mail.orgName}`, link: mail.link }),
      };
    }
  }
}
