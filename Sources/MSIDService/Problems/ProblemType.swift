import MicroHTTP

/// Every kind of problem msid answers with: the slug (the last part of the `type` URI, stable
/// once shipped), a fixed title, and the status. Exhausted resources are 409 Conflict with
/// `requested` and `available` members (the request conflicts with the current occupancy and
/// may succeed after frees); semantically invalid requests are 422. The configured caps on the
/// whole state (`StateLimits`) are 507 Insufficient Storage: a limit of this server, not a
/// fact of the modelled hardware.
enum ProblemType: String, CaseIterable, Sendable {
    // HTTP and request shape
    case notFound = "not-found"
    case methodNotAllowed = "method-not-allowed"
    case bodyTooLarge = "body-too-large"
    case unsupportedMediaType = "unsupported-media-type"
    case malformedJSON = "malformed-json"
    case invalidRequest = "invalid-request"
    case invalidParameter = "invalid-parameter"
    case idempotencyKeyReused = "idempotency-key-reused"
    case idempotencyKeyInUse = "idempotency-key-in-use"
    // Lookups and existence
    case systemNotFound = "system-not-found"
    case domainNotFound = "domain-not-found"
    case irqNotFound = "irq-not-found"
    case cpuNotFound = "cpu-not-found"
    case systemExists = "system-exists"
    case domainExists = "domain-exists"
    // Configuration
    case invalidSystem = "invalid-system"
    case invalidDomain = "invalid-domain"
    case wrongParent = "wrong-parent"
    case spiRangeConflict = "spi-range-conflict"
    case deviceHasDomain = "device-has-domain"
    case domainBusy = "domain-busy"
    case systemBusy = "system-busy"
    // Allocation
    case notAnMSIDomain = "not-an-msi-domain"
    case invalidVectorCount = "invalid-vector-count"
    case multiMSIUnsupported = "multi-msi-unsupported"
    case msiModeConflict = "msi-mode-conflict"
    case vectorsExhausted = "vectors-exhausted"
    case spisExhausted = "spis-exhausted"
    case lpisExhausted = "lpis-exhausted"
    case eventsExhausted = "events-exhausted"
    case msixEntriesExhausted = "msix-entries-exhausted"
    case virqsExhausted = "virqs-exhausted"
    case irtesExhausted = "irtes-exhausted"
    // Affinity, CPUs, state
    case invalidAffinity = "invalid-affinity"
    case managedAffinity = "managed-affinity"
    case cpuUnplugRefused = "cpu-unplug-refused"
    case roundRobinWithoutNextCPU = "round-robin-without-next-cpu"
    case irqNotActivated = "irq-not-activated"
    case messageNotRouted = "message-not-routed"
    case messageAmbiguous = "message-ambiguous"
    case irqNotRemapped = "irq-not-remapped"
    case postingUnsupported = "posting-unsupported"
    case routeNotExpressible = "route-not-expressible"
    // Durability
    case notReady = "not-ready"
    case storageFailed = "storage-failed"
    case invalidSnapshot = "invalid-snapshot"
    case persistenceDisabled = "persistence-disabled"
    case stateLimitReached = "state-limit-reached"
    // Access
    case unauthorized = "unauthorized"
    case forbidden = "forbidden"
    case internalError = "internal-error"

    var title: String {
        switch self {
        case .notFound: "Resource not found"
        case .methodNotAllowed: "Method not allowed"
        case .bodyTooLarge: "Request body too large"
        case .unsupportedMediaType: "Unsupported media type"
        case .malformedJSON: "Malformed JSON"
        case .invalidRequest: "Invalid request body"
        case .invalidParameter: "Invalid parameter"
        case .idempotencyKeyReused: "Idempotency key reused"
        case .idempotencyKeyInUse: "Idempotency key in use"
        case .systemNotFound: "System not found"
        case .domainNotFound: "Domain not found"
        case .irqNotFound: "IRQ not found"
        case .cpuNotFound: "CPU not found"
        case .systemExists: "System already exists"
        case .domainExists: "Domain already exists"
        case .invalidSystem: "Invalid system configuration"
        case .invalidDomain: "Invalid domain configuration"
        case .wrongParent: "Parent domain not allowed"
        case .spiRangeConflict: "SPI range conflict"
        case .deviceHasDomain: "Device already has a domain"
        case .domainBusy: "Domain busy"
        case .systemBusy: "System busy"
        case .notAnMSIDomain: "Not a PCI MSI domain"
        case .invalidVectorCount: "Invalid vector count"
        case .multiMSIUnsupported: "Multi-MSI unsupported"
        case .msiModeConflict: "MSI mode conflict"
        case .vectorsExhausted: "Vectors exhausted"
        case .spisExhausted: "SPIs exhausted"
        case .lpisExhausted: "LPIs exhausted"
        case .eventsExhausted: "ITS events exhausted"
        case .msixEntriesExhausted: "MSI-X entries exhausted"
        case .virqsExhausted: "IRQ numbers exhausted"
        case .irtesExhausted: "Interrupt remapping entries exhausted"
        case .irqNotRemapped: "IRQ not remapped"
        case .postingUnsupported: "Posting unsupported"
        case .invalidAffinity: "Invalid affinity"
        case .managedAffinity: "Managed affinity cannot change"
        case .cpuUnplugRefused: "CPU cannot go offline"
        case .roundRobinWithoutNextCPU: "Round-robin has no next CPU"
        case .irqNotActivated: "IRQ not activated"
        case .messageNotRouted: "Message not routed"
        case .messageAmbiguous: "Message ambiguous"
        case .routeNotExpressible: "Route not expressible in this format"
        case .notReady: "Service not ready"
        case .storageFailed: "Storage failed"
        case .invalidSnapshot: "Invalid snapshot"
        case .persistenceDisabled: "Persistence disabled"
        case .stateLimitReached: "State limit reached"
        case .unauthorized: "Authentication required"
        case .forbidden: "Role not permitted"
        case .internalError: "Internal error"
        }
    }

    var status: HTTPStatus {
        switch self {
        case .notFound, .systemNotFound, .domainNotFound, .irqNotFound, .cpuNotFound, .messageNotRouted: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .malformedJSON, .invalidRequest, .invalidParameter: .badRequest
        case .systemExists, .domainExists, .spiRangeConflict, .deviceHasDomain, .domainBusy, .systemBusy, .msiModeConflict,
             .vectorsExhausted, .spisExhausted, .lpisExhausted, .eventsExhausted, .msixEntriesExhausted, .virqsExhausted,
             .managedAffinity, .cpuUnplugRefused, .roundRobinWithoutNextCPU, .irqNotActivated, .messageAmbiguous,
             .idempotencyKeyInUse, .irtesExhausted: .conflict
        case .invalidSystem, .invalidDomain, .wrongParent, .notAnMSIDomain, .invalidVectorCount, .multiMSIUnsupported,
             .invalidAffinity, .idempotencyKeyReused, .irqNotRemapped, .postingUnsupported, .routeNotExpressible: .unprocessableContent
        case .notReady, .storageFailed: .serviceUnavailable
        case .invalidSnapshot: .unprocessableContent
        case .persistenceDisabled: .conflict
        case .stateLimitReached: .insufficientStorage
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .internalError: .internalServerError
        }
    }
}
