export interface OutboxTable {
  id: string;
  recipient: string;
  subject: string;
  text: string;
  html: string | null;
  created_at: string;
}

export type MailTables = {
  mail_outbox: OutboxTable;
};
