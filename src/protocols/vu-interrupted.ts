/** Thrown into VU code once its VU was cut off by a hard stop; counted as interrupted, not as an error. */
export class VuInterruptedError extends Error {
  constructor() {
    super('the VU was interrupted by the end of its graceful stop');
    this.name = 'VuInterruptedError';
  }
}
