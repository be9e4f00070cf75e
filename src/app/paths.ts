import path from 'node:path';

/** Well-known places inside the data directory. */
export function dataPaths(home: string): {
  secrets: string;
  blobs: string;
  softhsmConf: string;
  tokens: string;
} {
  return {
    secrets: path.join(home, 'secrets'),
    blobs: path.join(home, 'blobs'),
    softhsmConf: path.join(home, 'softhsm2.conf'),
    tokens: path.join(home, 'tokens'),
  };
}
