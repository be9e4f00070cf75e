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
  };
  /** Serial numbers are handed out in blocks from this counter so that they stay unique across restarts and instances. */
  tsa_serials: {
    name: string;
    next_serial: number;
  };
};
