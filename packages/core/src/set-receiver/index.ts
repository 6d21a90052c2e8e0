export { createSetReceiver } from './receiver.js'
export type { SetReceiver, SetReceiverOptions, SetRequest, SetResponse } from './receiver.js'
export type { SetErrorCode } from './errors.js'
export { REVOKING_EVENTS } from './subjects.js'
