package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// StatementPath is the accessibility statement's page: open to everyone, linked from every
// page's footer (the Danish web accessibility act, § 4).
const StatementPath = "/tilgaengelighed"

// StatementPage is the accessibility statement (tilgængelighedserklæring): what it says is in
// templates/statement.html; its dates are those of the last review.
type StatementPage struct {
	// AxeVersion is the axe-core that scans every page (internal/testing/apptest.AxeVersion).
	AxeVersion string
}

// RegisterStatement adds the accessibility statement to the engine. It needs no login; a
// staff member who is logged in sees the menu as on every other page.
func (p *Pages) RegisterStatement(e *gin.Engine) {
	e.GET(StatementPath, p.statement)
}

func (p *Pages) statement(c *gin.Context) {
	pg := Page[StatementPage]{Title: "Tilgængelighedserklæring for TVP", Data: StatementPage{AxeVersion: "4.10.3"}}
	if sess, err := p.session(c.Request); err == nil && sess.StaffID != "" {
		if by, err := p.d.Service.Identify(c.Request.Context(), sess.StaffID, "", ""); err == nil {
			pg.Me, pg.MeName, pg.MyTeam, pg.Nav, pg.CSRF = by.Actor, by.Actor.ID, by.Actor.TeamID, navFor(by.Actor), sess.CSRF
			if m, err := p.d.Service.Me(c.Request.Context(), by); err == nil {
				pg.MeName = m.Name
			}
		}
	}
	p.write(c, http.StatusOK, "statement", pg)
}
