export interface Clock {
  now(): Date;
}

export interface Ids {
  /** A sortable unique id with a prefix, e.g. `ord_01JD…`. */
  next(prefix: string): string;
}
