/// `enrol_batch`: one result per customer, in request order: its enrol answer, or the error that refused it.
public typealias EnrolBatchAnswer = BatchAnswer<EnrolAnswer>

extension EnrolAnswer: BatchItemAnswer {}
