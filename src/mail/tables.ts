export interface OutboxTable {
  id: string;
  recipient: string;
  subject: string;
  text: string;
  html: string | null;
  created_at: string;
}

export interface MailTables {
  mail_outbox: OutboxTable;
}
