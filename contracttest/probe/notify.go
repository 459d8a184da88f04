package probe

import "context"

type listener struct{ addr string }

func listen(addr, secret string) (*listener, error) { return &listener{addr: addr}, nil }
func (l *listener) close()                          {}

func (p *probe) notifications(ctx context.Context, l *listener) []exchange { return nil }
