/// `customer_batch`: one result per customer, in request order: its `customer` answer, or the error that refused
/// it.
public typealias CustomerBatchAnswer = BatchAnswer<CustomerAnswer>

extension CustomerAnswer: BatchItemAnswer {}
