extension SendPlan.Candidate {
    /// The send this candidate makes for `run` as its history row `visit`: no dedup key to claim (the run's
    /// compare-and-set makes the send once), the run's customer key and number, and the run's sealed copy of the
    /// customer id (the engine names the same customer it read for the run). Quiet hours are the customer's: the
    /// engine put their zone on the request when it read the run, so the writer does not read it again.
    package func request(for run: RunRow, visit: Int, customer: String?) -> AcceptRequest {
        var request = accept
        request.dedupKey = nil
        request.runID = run.runID
        request.runVisit = visit
        request.customerKey = run.ck
        request.customerNumber = run.cn
        if request.customer == nil { request.customer = customer }
        request.storedCustomer = run.customerSealed
        return request
    }
}
