package probe

import "context"

// negatives sends the requests the spec refuses.
func (p *probe) negatives(ctx context.Context) []exchange { return nil }
