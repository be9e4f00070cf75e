/** Tables of the TSA module (migrations 0200+). */

export type TsaTables = {
  tsa_units: {
    /** 'embedded' */
    name: string;
    key_id: string;
    certificate: Uint8Array;
    /** Concatenated DER of the CA certificates above the TSA certificate. */
    chain: Uint8Array;
    created_at: string;
    /** When the expiry warning was last recorded for this certificate (null: not yet). */
    expiry_warned_at: string | null;
  };
  /**
   * Certificates the TSA used before a renewal. Kept for good: tokens issued under them are checked
   * with these certificates (a validator needs the certificate, never the key, which is destroyed).
   */
  tsa_unit_history: {
    /** Serial number of the retired certificate, lower-case hex. */
    serial_number: string;
    name: string;
    key_id: string;
    certificate: Uint8Array;
    chain: Uint8Array;
    active_from: string;
    retired_at: string;
    /** 'destroyed' once the key is gone from the HSM. */
    key_disposition: string;
  };
  /** Serial numbers are handed out in blocks from this counter so that they stay unique across restarts and instances. */
  tsa_serials: {
    name: string;
    next_serial: number;
  };
};
